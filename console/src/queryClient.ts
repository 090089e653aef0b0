import { QueryClient } from "@tanstack/react-query";

/**
 * One QueryClient shared by refine and the auth provider, so signing in or out can drop the previous
 * user's cached permissions and records instead of showing them to the next user of the same tab.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { refetchOnWindowFocus: false, retry: false },
  },
});

export function forgetUserData(): void {
  queryClient.removeQueries({ queryKey: ["access"] });
  queryClient.removeQueries({ queryKey: ["data"] });
}
