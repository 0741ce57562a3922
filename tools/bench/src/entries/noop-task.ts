// The worker file Piscina and tinypool load: the same no-op as the spm closure's `evaluate`.

/** Takes a task and does nothing with it. */
export default function noop(task: { readonly n: number }): null {
  void task;
  return null;
}
