/** A reactive `Date.now()` that ticks while the calling component is mounted. */
export function clock(intervalMs = 1000): { readonly now: number } {
  let now = $state(Date.now());
  $effect(() => {
    const id = setInterval(() => (now = Date.now()), intervalMs);
    return () => clearInterval(id);
  });
  return {
    get now() {
      return now;
    },
  };
}
