// The public API, for bundlers (import from here) and, through main.ts, for
// pages without one (globalThis.SpiceWeb).

export { SpiceConsole } from "./console";
export type { ConsoleEventMap, ConsoleOptions, DisconnectDetail, LogDetail, ResizeDetail, StatusDetail } from "./console";
export type { MicrophoneDetail, MicrophoneState, PlaybackDetail, PlaybackState } from "./audio/sound";
export type { AgentState, ClipboardData, FileState, GoModule, GoSession, MouseMode, SessionState } from "./goapi";
export type { Scaling } from "./layout";
export type { ScalingDetail, ScalingSetting } from "./agent";
export type { ClipboardAccess } from "./clipboard";
export type { FileTransfer } from "./transfers";
export type { MonitorsDetail, MonitorsMode, MonitorWindowState } from "./monitors";
export type { MonitorInfo } from "./goapi";
export { defaultWasmURL, loadGo } from "./load";
export type { LoadOptions } from "./load";
export { displayTitle, parseParams, socketURL, tokenCookie } from "./params";
export type { PageLocation, Params } from "./params";
