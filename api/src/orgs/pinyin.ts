import { pinyin } from "pinyin-pro";

/**
 * The search keys of a Chinese name: full pinyin without tones or spaces ("zhongguo") and the
 * initials ("zg"), both lower case. Non-Chinese characters pass through lower-cased, so "IT部"
 * gives "itbu" / "itb".
 */
export function nameSearchKeys(name: string): { pinyin: string; initials: string } {
  const full = pinyin(name, { toneType: "none", type: "array" });
  const first = pinyin(name, { pattern: "first", toneType: "none", type: "array" });
  const squash = (parts: string[]) => parts.join("").replace(/\s+/g, "").toLowerCase();
  return { pinyin: squash(full), initials: squash(first) };
}
