// Guards against double submission: the control is disabled (and marked
// aria-busy) while `work` runs, so a double-click sends one request.
export async function whileBusy(control, work) {
  if (control.dataset.busy === '1') return undefined;
  control.dataset.busy = '1';
  control.disabled = true;
  control.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    delete control.dataset.busy;
    control.disabled = false;
    control.removeAttribute('aria-busy');
  }
}

/** Writes text to the clipboard; falls back to selecting a field for older browsers. */
export async function copyText(text, field = null) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!field) return false;
    field.select();
    return document.execCommand?.('copy') ?? false;
  }
}
