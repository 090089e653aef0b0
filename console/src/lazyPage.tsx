import { type ComponentType, lazy, type LazyExoticComponent, type ReactNode, Suspense } from "react";
import { FullPageSpin } from "./components/FullPageSpin";

/**
 * React.lazy for a module's named export (the house rule is named exports; lazy wants a default). Each call
 * is its own dynamic import(), so the build emits the page, and whatever only it uses, as a chunk of its own
 * that the browser fetches the first time the page is opened.
 */
// `any` props as in React's own `lazy` signature: the page keeps its real prop types through M[K].
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function lazyPage<M extends Record<K, ComponentType<any>>, K extends keyof M>(
  load: () => Promise<M>,
  name: K,
): LazyExoticComponent<M[K]> {
  return lazy(async () => ({ default: (await load())[name] }));
}

/** Where a lazy page renders: antd's spinner while its chunk downloads. */
export function PageSuspense({ children }: { children: ReactNode }) {
  return <Suspense fallback={<FullPageSpin />}>{children}</Suspense>;
}
