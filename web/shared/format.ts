// Numbers as the page writes them in text: thousands separated, the same in every locale
// (messages and tests quote them, e.g. "8,000 digits").

/** A count as text: 60000 → "60,000". */
export const fmt = (n: number) => n.toLocaleString('en-US');
