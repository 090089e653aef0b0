import { useTranslate } from "@refinedev/core";
import { App } from "antd";
import { Link } from "react-router";
import { formatBeijingTime } from "../../time";
import type { PendingApproval } from "./authzApi";

/** The console route of the approvals page (resources.tsx). */
export const APPROVALS_ROUTE = "/approvals";

/**
 * Says that a change was not applied yet but submitted for approval (202 under the two-person rule), with a
 * link to the proposal and its expiry: an admin of the other role has to approve it.
 */
export function usePendingNotice(): (pending: PendingApproval) => void {
  const translate = useTranslate();
  const { notification } = App.useApp();
  return (pending) =>
    notification.info({
      message: translate("authz.pending.title"),
      description: (
        <span data-testid="pending-approval">
          {translate("authz.pending.body")}
          {pending.expiresAt && (
            <> {translate("authz.pending.expires", { at: formatBeijingTime(pending.expiresAt) })}</>
          )}{" "}
          <Link to={`${APPROVALS_ROUTE}?id=${encodeURIComponent(pending.approvalId)}`}>
            {translate("authz.pending.open")}
          </Link>
        </span>
      ),
      duration: 10,
    });
}
