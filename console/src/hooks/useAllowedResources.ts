import { useCanWithoutCache } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { type ConsoleResource, RESOURCES } from "../resources";
import { useSession } from "../session/session";

/**
 * The resources the signed-in user may open, asked of refine's access-control provider (so the menu, the
 * home redirect and the route guards agree). Cached per user: the key starts with "access", which sign-in
 * and sign-out drop.
 */
export function useAllowedResources(): { allowed: readonly ConsoleResource[] | undefined; error: unknown } {
  const { can } = useCanWithoutCache();
  const session = useSession();
  const query = useQuery({
    queryKey: ["access", "console-menu", session?.user.id ?? "", session?.role ?? ""],
    enabled: Boolean(can && session),
    queryFn: async () => {
      if (!can) return [];
      const answers = await Promise.all(RESOURCES.map((resource) => can({ resource: resource.name, action: "list" })));
      return RESOURCES.filter((_, index) => answers[index]?.can === true);
    },
  });
  return { allowed: query.data, error: query.error };
}
