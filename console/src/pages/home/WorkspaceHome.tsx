import { useTranslate } from "@refinedev/core";
import { Result } from "antd";
import { Navigate } from "react-router";
import { FullPageSpin } from "../../components/FullPageSpin";
import { useAllowedResources } from "../../hooks/useAllowedResources";
import { useErrorText } from "../../hooks/useErrorText";

/** "/" opens the first page of the user's own workspace; there is no shared dashboard across roles. */
export function WorkspaceHome() {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { allowed, error } = useAllowedResources();
  if (error) return <Result status="error" title={errorText(error)} />;
  if (!allowed) return <FullPageSpin />;
  const first = allowed[0];
  if (first) return <Navigate to={first.route} replace />;
  return <Result status="info" title={translate("errors.noWorkspace")} />;
}
