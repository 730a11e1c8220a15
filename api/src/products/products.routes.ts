import { AppError, ErrorBody, Product, ProductParams, ProductPatch, ProductsResponse, StoreParams } from '@shelfsense/contracts';
import { listProducts, updateProduct, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';

/** The product catalog: filled from observed order lines, name and category editable. */
export function productsRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/products',
      {
        config: { auth: { need: 'read', scope: 'store', wall: true } },
        schema: {
          tags: ['products'],
          summary: 'Product catalog of one store, by sku',
          security: [{ apiKey: [] }],
          params: StoreParams,
          response: { 200: ProductsResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        return { products: await listProducts(db, store.id) };
      },
    );

    app.patch(
      '/api/v1/stores/:storeId/products/:sku',
      {
        config: { auth: { need: 'config.write', scope: 'store' } },
        schema: {
          tags: ['products'],
          summary: 'Edit a product name and/or category (scope write)',
          description:
            'An edited product keeps its name and category when later orders show other values; `category: null` clears it. ' +
            'Past item rollups keep the category the items were sold under.',
          security: [{ apiKey: [] }],
          params: ProductParams,
          body: ProductPatch,
          response: { 200: Product, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { sku } = request.params;
        const product = await updateProduct(db, store.id, sku, request.body);
        if (product === undefined) throw new AppError('not_found', `product ${sku} not found in store ${store.id}`);
        return product;
      },
    );
  };
}
