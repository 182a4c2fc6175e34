// The console's sound: it follows Go's playback and record channels
// (SessionEvents.playback, .record), starts a player for each stream and
// the microphone when the user allows it, and tells the page what the
// user should see (PlaybackDetail, MicrophoneDetail).

import type { GoSession, PlaybackInfo, RecordInfo } from "../goapi";
import { AudioOut, type Mic, type Player } from "./output";

/**
 * off: sound is turned off, or the server has no playback channel.
 * blocked: the browser will not play sound before a user gesture
 *   (autoplay policy): show "click to enable sound"; any click or key on
 *   the page then starts it.
 * idle: ready, the guest plays nothing.
 * playing: a stream plays.
 */
export type PlaybackState = "off" | "blocked" | "idle" | "playing";

export interface PlaybackDetail {
  state: PlaybackState;
  /** Muted on this page (SpiceConsole.mute). */
  muted: boolean;
  /** The server's mute and volume (0 to 1) for the stream. */
  serverMuted: boolean;
  volume: number;
  /** The stream: "raw" or "opus", frames per second, channels; "" and 0 without one. */
  codec: string;
  rate: number;
  channels: number;
  /** Where it plays: in an AudioWorklet, or scheduled from the page's thread (no AudioWorklet: plain-http pages). */
  player: "worklet" | "scheduled" | "";
}

/**
 * unavailable: no record channel, sound off, or the page cannot capture
 *   (reason says which; the microphone needs a secure context).
 * off: the user has not turned the microphone on (requested: the guest
 *   is recording and would take it).
 * waiting: turned on; opens when the guest records (or is opening).
 * live: the microphone is open and its sound goes to the guest.
 * error: it could not open (permission refused, no device): reason.
 */
export type MicrophoneState = "unavailable" | "off" | "waiting" | "live" | "error";

export interface MicrophoneDetail {
  state: MicrophoneState;
  reason: string;
  /** The guest is recording (RECORD_START without STOP). */
  requested: boolean;
}

/** What Sound needs from its console. */
export interface SoundHost {
  /** The running session, or null. */
  session(): GoSession | null;
  playbackChanged(d: PlaybackDetail): void;
  microphoneChanged(d: MicrophoneDetail): void;
  log(level: string, message: string): void;
}

/** How long a stream's player plays on after STOP: what it still holds. */
const playOutMs = 250;

/** spice-server's rate wherever it has Opus (snd_codec.h SND_CODEC_OPUS_PLAYBACK_FREQ). */
const defaultRate = 48000;

export class Sound {
  private readonly out: AudioOut;
  private pb: PlaybackInfo | null = null;
  private rec: RecordInfo | null = null;
  private player: Player | null = null;
  private playerEpoch = -1;
  private mic: Mic | null = null;
  private micEpoch = -1; // the recording the microphone (or its opening) belongs to
  private micPortGiven = false;
  private micWanted = false;
  private micOpening = false;
  private micError = "";
  private muted = false;
  private lastPlayback = "";
  private lastMic = "";
  private readonly gesture = () => this.onGesture();

  constructor(
    private readonly host: SoundHost,
    readonly enabled: boolean,
  ) {
    this.out = new AudioOut(() => this.update());
    // Any gesture on the page lets sound start (autoplay policy).
    for (const type of ["pointerdown", "keydown", "touchend"]) document.addEventListener(type, this.gesture, { capture: true });
  }

  private onGesture(): void {
    if (this.out.blocked) void this.out.resume().then(() => this.update());
    else this.update();
  }

  /** Starts sound from a gesture handler; resolves whether it plays. */
  async enable(): Promise<boolean> {
    const ok = this.out.state === "none" || (await this.out.resume());
    this.update();
    return ok;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  mute(muted: boolean): void {
    this.muted = muted;
    this.applyGain();
    this.update();
  }

  onPlayback(info: PlaybackInfo): void {
    this.pb = info;
    // The context comes with the channel, so the page knows at once
    // whether sound may play (a new context runs only if it may).
    if (info.linked && this.enabled && this.out.state === "none") this.out.context(defaultRate);
    if (info.active && info.epoch !== this.playerEpoch) this.startStream(info);
    if (!info.active && this.player) {
      const p = this.player;
      this.player = null;
      setTimeout(() => {
        p.close();
        if (!this.player) this.out.park();
      }, playOutMs);
    }
    if (!info.active) this.playerEpoch = -1;
    this.applyGain();
    this.update();
  }

  private startStream(info: PlaybackInfo): void {
    this.player?.close();
    this.player = null;
    const s = this.host.session();
    if (!s) return;
    const epoch = info.epoch;
    this.playerEpoch = epoch;
    const mc = new MessageChannel();
    s.audioPort("playback", epoch, mc.port2);
    this.out.play(info.rate, info.channels, mc.port1).then(
      (p) => {
        if (this.playerEpoch !== epoch) {
          p?.close();
          return;
        }
        this.player = p;
        if (!p) this.host.log("warn", "sound: this browser has no AudioContext; the guest's sound is not played");
        this.update();
      },
      (e: unknown) => this.host.log("warn", `sound: could not start the player: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  private applyGain(): void {
    const v = this.pb?.volume[0] ?? 1;
    this.out.setGain(v, this.muted || (this.pb?.mute ?? false));
  }

  onRecord(info: RecordInfo): void {
    this.rec = info;
    if (!info.active || info.epoch !== this.micEpoch) this.closeMic();
    if (info.active && this.micWanted && !this.mic && !this.micOpening) void this.openMic();
    this.mic?.setGain(info.volume[0] ?? 1, info.mute);
    this.update();
  }

  /** Turns the microphone on: it opens now if the guest records, else when it does. */
  async startMicrophone(): Promise<void> {
    const why = this.micUnavailable();
    if (why) throw new Error(why);
    this.micWanted = true;
    this.micError = "";
    this.update();
    if (this.rec?.active && !this.mic && !this.micOpening) await this.openMic();
    if (this.micError) throw new Error(this.micError);
  }

  stopMicrophone(): void {
    this.micWanted = false;
    this.closeMic();
    this.update();
  }

  private async openMic(): Promise<void> {
    const rec = this.rec;
    const s = this.host.session();
    if (!rec || !s) return;
    const epoch = rec.epoch;
    this.micEpoch = epoch;
    this.micOpening = true;
    this.update();
    const mc = new MessageChannel();
    let mic: Mic;
    try {
      mic = await this.out.record(rec.rate, rec.channels, mc.port1);
    } catch (e) {
      mc.port2.close();
      this.micOpening = false;
      this.micWanted = false;
      this.micError = micErrorText(e);
      this.host.log("warn", `microphone: ${this.micError}`);
      this.update();
      return;
    }
    this.micOpening = false;
    if (!this.micWanted || this.rec?.epoch !== epoch || !this.rec.active || this.host.session() !== s) {
      mic.close();
      mc.port2.close();
      this.update();
      return;
    }
    this.mic = mic;
    mic.setGain(rec.volume[0] ?? 1, rec.mute);
    mic.onEnded = () => {
      this.host.log("info", "microphone: the device went away");
      this.stopMicrophone();
    };
    s.audioPort("record", epoch, mc.port2);
    this.micPortGiven = true;
    this.update();
  }

  private closeMic(): void {
    if (this.mic) {
      this.mic.close();
      this.mic = null;
      if (!this.player) this.out.park();
    }
    if (this.micPortGiven) {
      this.host.session()?.audioPort("record", this.micEpoch, null);
      this.micPortGiven = false;
    }
  }

  /** The session ended: everything stops, and the microphone is off again. */
  reset(): void {
    this.player?.close();
    this.player = null;
    this.playerEpoch = -1;
    this.micWanted = false;
    this.closeMic();
    this.micEpoch = -1;
    this.pb = null;
    this.rec = null;
    this.out.park();
    this.update();
  }

  /** The console goes: the context closes too. */
  close(): void {
    this.reset();
    for (const type of ["pointerdown", "keydown", "touchend"]) document.removeEventListener(type, this.gesture, { capture: true });
    this.out.close();
  }

  private micUnavailable(): string {
    if (!this.enabled) return "sound is turned off";
    if (!this.rec?.linked) return "the server has no microphone channel";
    if (typeof isSecureContext !== "undefined" && !isSecureContext) return "the microphone needs a secure (https) page";
    if (!navigator.mediaDevices?.getUserMedia) return "this browser cannot open a microphone";
    return "";
  }

  get playback(): PlaybackDetail {
    const pb = this.pb;
    let state: PlaybackState = "off";
    if (this.enabled && pb?.linked) {
      if (this.out.blocked) state = "blocked";
      else if (pb.active && this.player) state = "playing";
      else state = "idle";
    }
    const active = pb?.active ?? false;
    return {
      state,
      muted: this.muted,
      serverMuted: pb?.mute ?? false,
      volume: pb?.volume[0] ?? 1,
      codec: active ? pb!.codec : "",
      rate: active ? pb!.rate : 0,
      channels: active ? pb!.channels : 0,
      player: this.player?.kind ?? "",
    };
  }

  get microphone(): MicrophoneDetail {
    const requested = this.rec?.active ?? false;
    const why = this.micUnavailable();
    if (why) return { state: "unavailable", reason: why, requested };
    if (this.micError) return { state: "error", reason: this.micError, requested };
    if (this.mic) return { state: "live", reason: "", requested };
    if (this.micWanted || this.micOpening) return { state: "waiting", reason: "", requested };
    return { state: "off", reason: "", requested };
  }

  private update(): void {
    const p = this.playback;
    const pk = JSON.stringify(p);
    if (pk !== this.lastPlayback) {
      this.lastPlayback = pk;
      this.host.playbackChanged(p);
    }
    const m = this.microphone;
    const mk = JSON.stringify(m);
    if (mk !== this.lastMic) {
      this.lastMic = mk;
      this.host.microphoneChanged(m);
    }
  }
}

function micErrorText(e: unknown): string {
  if (e instanceof DOMException) {
    if (e.name === "NotAllowedError") return "permission to use the microphone was refused";
    if (e.name === "NotFoundError") return "there is no microphone";
    if (e.name === "NotReadableError") return "the microphone is in use or failed";
  }
  return e instanceof Error ? e.message : String(e);
}
