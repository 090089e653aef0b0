import { Flex, Spin } from "antd";

/** Shown while the session is being read, so a page never flashes content it may not be allowed to show. */
export function FullPageSpin() {
  return (
    <Flex align="center" justify="center" style={{ minHeight: "60vh" }}>
      <Spin size="large" />
    </Flex>
  );
}
