import { useSyncExternalStore } from "react";
import { isLocale, type Locale } from "./messages";

/**
 * The UI language lives outside React so refine's i18nProvider, antd's ConfigProvider and dayjs all read
 * one value, and the choice survives a reload (localStorage). zh-CN is the default.
 */
const STORAGE_KEY = "tianshu.locale";
const listeners = new Set<() => void>();

function readStored(): Locale {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return isLocale(stored) ? stored : "zh-CN";
  } catch {
    // Storage can be disabled by browser policy; the default language still works.
    return "zh-CN";
  }
}

let current: Locale = readStored();

export function getLocale(): Locale {
  return current;
}

export function setLocale(next: string): void {
  if (!isLocale(next) || next === current) return;
  current = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not persisted, but the switch still applies to this tab.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useLocale(): Locale {
  return useSyncExternalStore(subscribe, getLocale);
}
