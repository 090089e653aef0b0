import type { ButtonProps } from "antd";

/**
 * Button props carrying a data-testid for the browser tests. antd passes unknown attributes through to the
 * DOM, but its prop types (e.g. Modal's okButtonProps) do not list data-* attributes, hence the cast.
 */
export function buttonTestId(id: string, props: ButtonProps = {}): ButtonProps {
  return { ...props, ...({ "data-testid": id } as ButtonProps) };
}
