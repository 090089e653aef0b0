import { useTranslate } from "@refinedev/core";
import { Button, Result } from "antd";
import { useNavigate } from "react-router";

export function NotFoundPage() {
  const translate = useTranslate();
  const navigate = useNavigate();
  return (
    <Result
      status="404"
      title={translate("errors.notFound")}
      extra={
        <Button type="primary" onClick={() => navigate("/", { replace: true })}>
          {translate("errors.backHome")}
        </Button>
      }
    />
  );
}
