/**
 * Messages between the BN Lab panel (a webview, or the page `normlint lab` serves) and its host
 * (the VS Code extension). Defined once, imported by both sides; imports nothing at run time.
 */
import type { LayerInfo } from '../../../server/src/protocol';

export type { LayerInfo };

/** Where the layer shown comes from (for "Go to code"). */
export interface LayerSource {
  uri: string;
  /** 0-based line of the constructor call. */
  line: number;
}

/** Host → panel. */
export type HostMessage =
  /** Show this layer (from the language server); null: no layer under the cursor (keep the current one, editable). */
  | { type: 'layer'; layer: LayerInfo | null; source: LayerSource | null };

/** Panel → host. */
export type PanelMessage =
  /** The panel's script is running and listens for {@link HostMessage}s. */
  | { type: 'ready' }
  /** The user asked to see the layer's code. */
  | { type: 'reveal'; source: LayerSource }
  /** A problem the host should log (e.g. the WebGL backend failed and CPU took over). */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Type guard for messages arriving from the host (anything else is ignored). */
export function isHostMessage(m: unknown): m is HostMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'layer';
}

/** Type guard for messages arriving from the panel. */
export function isPanelMessage(m: unknown): m is PanelMessage {
  const t = typeof m === 'object' && m !== null ? (m as { type?: unknown }).type : undefined;
  return t === 'ready' || t === 'reveal' || t === 'log';
}
