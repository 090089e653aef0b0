import { theme } from "antd";

/** 天枢 is Dubhe, the first star of the Big Dipper: the mark is a four-pointed star. */
export function BrandMark({ size = 28 }: { size?: number }) {
  const { token } = theme.useToken();
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="6" fill={token.colorPrimary} />
      <path d="M16 5l2.9 7.1L26 15l-7.1 2.9L16 25l-2.9-7.1L6 15l7.1-2.9z" fill="#ffd666" />
    </svg>
  );
}
