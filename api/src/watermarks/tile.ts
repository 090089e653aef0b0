/**
 * The rendered watermark tile (docs/watermarks.md): an SVG that clients repeat as a background. The
 * text is drawn rotated about the tile's centre; the gaps are the empty space around it, so density
 * is set by the gaps. An invisible watermark is drawn at an opacity below what the eye notices on a
 * screen but that contrast enhancement of a photo or screenshot brings back.
 */
export interface WatermarkStyle {
  fontSize: number;
  /** #RRGGBB */
  color: string;
  /** 0–1; ignored when invisible. */
  opacity: number;
  /** Degrees, −90 to 90; negative rotates anticlockwise. */
  rotate: number;
  gapX: number;
  gapY: number;
  visible: boolean;
}

export const INVISIBLE_OPACITY = 0.005;

/** Width in em of one character: East Asian wide characters are square, others about 0.6. */
function ems(text: string): number {
  let w = 0;
  for (const ch of text)
    w +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(
        ch,
      )
        ? 1
        : 0.6;
  return w;
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);

export function renderTile(
  lines: string[],
  style: WatermarkStyle,
  traceCode?: string,
): { svg: string; width: number; height: number } {
  const size = style.fontSize;
  const small = Math.max(6, Math.round(size * 0.6));
  const rows = [...lines.map((text) => ({ text, size })), ...(traceCode ? [{ text: traceCode, size: small }] : [])];
  const textWidth = Math.max(1, ...rows.map((r) => ems(r.text) * r.size));
  const textHeight = rows.reduce((h, r) => h + r.size * 1.4, 0);
  // The rotated text's bounding box, so the text never leaves its tile.
  const rad = (Math.abs(style.rotate) * Math.PI) / 180;
  const boxW = textWidth * Math.cos(rad) + textHeight * Math.sin(rad);
  const boxH = textWidth * Math.sin(rad) + textHeight * Math.cos(rad);
  const width = Math.ceil(boxW + style.gapX);
  const height = Math.ceil(boxH + style.gapY);
  const opacity = style.visible ? style.opacity : INVISIBLE_OPACITY;
  let y = -textHeight / 2;
  const tspans = rows
    .map((r) => {
      y += r.size * 1.4;
      return `<text x="0" y="${(y - r.size * 0.4).toFixed(1)}" font-size="${r.size}">${escapeXml(r.text)}</text>`;
    })
    .join("");
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g transform="translate(${width / 2} ${height / 2}) rotate(${style.rotate})" fill="${escapeXml(style.color)}" ` +
    `fill-opacity="${opacity}" text-anchor="middle" font-family="sans-serif">${tspans}</g></svg>`;
  return { svg, width, height };
}
