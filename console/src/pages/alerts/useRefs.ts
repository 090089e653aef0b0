import { useQuery } from "@tanstack/react-query";
import { appRefs, monitorRefs } from "./alertApi";

/** Monitor names by id (root causes, dependents, selectors); an id not among them shows shortened. */
export function useMonitorNames() {
  const monitors = useQuery({ queryKey: ["data", "monitors", "refs"], queryFn: monitorRefs, staleTime: 60_000 });
  const byId = new Map((monitors.data ?? []).map((m) => [m.id, m.name]));
  return {
    monitors: monitors.data ?? [],
    name: (id: string) => byId.get(id) ?? id.slice(0, 8),
  };
}

/** The apps registry, for rule selectors; empty when it cannot be read. */
export function useApps() {
  const apps = useQuery({
    queryKey: ["data", "monitor-apps", "refs"],
    queryFn: appRefs,
    staleTime: 60_000,
    retry: false,
  });
  return apps.data ?? [];
}
