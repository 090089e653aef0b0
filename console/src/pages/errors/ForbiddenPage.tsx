import { useTranslate } from "@refinedev/core";
import { Button, Result } from "antd";
import { useNavigate } from "react-router";

export function ForbiddenPage() {
  const translate = useTranslate();
  const navigate = useNavigate();
  return (
    <Result
      status="403"
      title={translate("errors.forbidden")}
      subTitle={translate("errors.forbiddenHint")}
      extra={
        <Button type="primary" onClick={() => navigate("/", { replace: true })}>
          {translate("errors.backHome")}
        </Button>
      }
    />
  );
}
