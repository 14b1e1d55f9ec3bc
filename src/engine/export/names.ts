// Stage names as a target allows them: each target has a rule; a name it cannot use is mapped to one it
// can, the same way every time, and the mapping is shown to the user.

/** DNS-1123-like names (Argo templates and tasks, Kubeflow tasks): lowercase letters, digits and "-", at most 63. */
export function dnsName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return s === '' ? 'stage' : /^[0-9]/.test(s) ? `s-${s}`.slice(0, 63) : s;
}

/** Each name mapped by `rule`, made unique with -2, -3… in file order; `changed` lists the ones that differ. */
export function mapNames(names: readonly string[], rule: (n: string) => string, reserved: readonly string[] = []): { map: Map<string, string>; changed: { stage: string; as: string }[] } {
  const used = new Set(reserved);
  const map = new Map<string, string>();
  const changed: { stage: string; as: string }[] = [];
  for (const n of names) {
    const base = rule(n);
    let as = base;
    for (let i = 2; used.has(as); i++) as = `${base.slice(0, 60)}-${i}`;
    used.add(as);
    map.set(n, as);
    if (as !== n) changed.push({ stage: n, as });
  }
  return { map, changed };
}
