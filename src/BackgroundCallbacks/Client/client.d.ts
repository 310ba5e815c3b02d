// Type declarations for the BackgroundCallbacks browser client, served at {prefix}/client.d.ts.
// The client is a plain script: it defines window.BackgroundCallbacks. See docs/client.md and docs/protocol.md.

declare namespace BackgroundCallbacks {
  /** A JSON value as it travels on the wire. */
  type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

  /**
   * A component id: an element's DOM id, or for pattern-matching components the JSON object in its `data-bc-id`
   * attribute, e.g. `{"type": "row", "index": 3}`.
   */
  type ComponentId = string | { [key: string]: string | number | boolean };

  /**
   * The properties of the page-location component, `<bc-location id="url"></bc-location>` (Dash's `dcc.Location`):
   * the values of `window.location`. A callback takes them as Input or State; an Input fires on every navigation that
   * changes it: `history.pushState`/`replaceState` (the client wraps them), back and forward (`popstate`) and
   * `hashchange`. Written as an Output (or with `setProps`), a property pushes a history entry without a page load and
   * fires the inputs that changed; `href` must stay on the page's origin. Other properties of the element behave as on
   * any element.
   */
  type LocationProperty = "pathname" | "search" | "hash" | "href";

  /** Draws a custom property: called with the element and the property's new value. */
  type RenderFunction = (element: Element, value: Json) => void;

  /** A custom property renderer, with an optional reader used when the property is an input or state. */
  interface Renderer {
    render(element: Element, value: Json): void;
    read?(element: Element): Json;
  }

  interface StartOptions {
    /** The endpoints' prefix; by default the path the script was loaded from, e.g. "/_callbacks". */
    prefix?: string;
    /**
     * How jobs are followed. "auto" (the default): by one Server-Sent Events stream that the tabs of the browser share
     * (a leader tab chosen with Web Locks keeps it and shares its events over a BroadcastChannel), falling back to long
     * polls when the browser lacks EventSource, BroadcastChannel or Web Locks, or the stream fails, and to plain polls
     * every `interval` when long polls fail too. "events": the stream even without the means to share it (one per tab
     * then), with the same fallbacks. "longpoll": never the stream. "poll": plain polls only. Script tag:
     * `data-transport`.
     */
    transport?: "auto" | "events" | "longpoll" | "poll";
    /** @deprecated `false` is `transport: "poll"`. */
    longPoll?: boolean;
    /** How long, in milliseconds, a long poll asks the server to wait. Default 20000. */
    wait?: number;
    /** How many times an upload refused with 429 is tried again. Default 3. Following a job never gives up on a failure. */
    retries?: number;
    /**
     * Announce each job's end ("Run finished.", "Run failed: …", "Run cancelled.") in a polite live region: the page's
     * own `[data-bc-live]` element, else a visually hidden one of the client's. Default true; script tag:
     * `data-announce="false"`.
     */
    announce?: boolean;
    /**
     * While a job cannot be followed (the network or the server is down), show a small "Reconnecting…" status line,
     * unless the page has its own `[data-bc-reconnecting-note]` elements (then they are shown instead). Default true;
     * script tag: `data-reconnecting-note="false"`.
     */
    reconnectingNote?: boolean;
    /** The text of the client's reconnecting status line. Default "Reconnecting…"; script tag: `data-reconnecting-text`. */
    reconnectingText?: string;
  }

  interface ConnectionEventDetail {
    /** True while at least one job of the page cannot be followed and is being retried. */
    reconnecting: boolean;
  }

  interface Api {
    /** Settles once the callback map is loaded and the page is wired; rejects when that failed. */
    readonly ready: Promise<void>;
    /**
     * Loads the callback map and wires the page. The script does this by itself unless its tag has
     * `data-auto-start="false"`; calling it again returns the first call's promise.
     */
    start(options?: StartOptions): Promise<void>;
    /**
     * Registers how a custom property is drawn, e.g. a chart's "figure". Elements whose `data-bc-props` name the
     * property are drawn at once. Returns a function that removes the renderer.
     */
    registerRenderer(property: string, renderer: RenderFunction | Renderer): () => void;
    /** Sets props from page code, as a callback output would; the callbacks that take them as input run. */
    setProps(id: ComponentId, props: { [property: string]: Json }): void;
    /**
     * Reads a component property as the client would send it; undefined when there is no such component. For a
     * server-side property this is its reference (`bcref:…`), or null before one was written. For a file binding
     * (`files`) it is the upload's reference, an array of them for a `multiple` input, or null when none is chosen.
     */
    getProp(id: ComponentId, property: string): Json | undefined;
    /** The ids of the callbacks the server declared. */
    readonly callbacks: string[];
    /**
     * How this tab follows jobs now: "events", "longpoll" or "poll"; null before start. Also shown as
     * `<html data-bc-transport="…">`; the tab that keeps the browser's stream has `data-bc-leader`.
     */
    readonly transport: "events" | "longpoll" | "poll" | null;
  }

  /** The detail of the `backgroundcallbacks:*` events dispatched on `document`. */
  interface EventDetail {
    callbackId: string;
    /** The MATCH values of a pattern-matching invocation, e.g. `{"index": 3}`; null otherwise. */
    match: { [key: string]: string | number | boolean } | null;
    handle?: string;
    status?: "queued" | "running" | "succeeded" | "failed" | "canceled";
    cached?: boolean;
    /** On `done`: the callback ran inline, in the request (`[BackgroundCallback(Inline = true)]`). */
    inline?: boolean;
    triggered?: string[];
    message?: string;
  }

  /** The detail of `backgroundcallbacks:queue`: the job's place in its callback's line changed. */
  interface QueueEventDetail {
    callbackId: string;
    match: { [key: string]: string | number | boolean } | null;
    /** Null when the job left the line (it runs, ended, or was superseded). */
    handle: string | null;
    /** How many jobs are ahead of it (0: it runs next); null when it waits in no line. */
    position: number | null;
    /** The server's estimate of the seconds until its result, rounded up; null when there is none. */
    etaSeconds: number | null;
  }

  /** What the server stored of an uploaded file (`data-bc-files` holds these, as a JSON array). */
  interface FileDescriptor {
    name: string;
    /** The type the server stored; absent on `upload`, before the server has seen the file. */
    contentType?: string;
    /** The size in bytes. */
    length: number;
    lastModified?: number;
    /** The lowercase hex SHA-256 of the bytes. */
    sha256?: string;
  }

  /** The detail of the `backgroundcallbacks:upload*` events, dispatched on `document`. */
  interface UploadEventDetail {
    /** The file input or drop zone. */
    id: ComponentId;
    property: "files";
    /** On `upload`: name and length of each chosen file; on `uploaded`: what the server stored. */
    files?: FileDescriptor[];
    /** On `uploaded`: the references the property now holds, in the order of `files`. */
    references?: string[];
    /** Bytes sent or found already stored, of all the chosen files together. */
    loaded: number;
    total: number;
  }
}

interface Window {
  BackgroundCallbacks: BackgroundCallbacks.Api;
}

interface HTMLElementTagNameMap {
  /** The page-location component: see `BackgroundCallbacks.LocationProperty`. It renders nothing. */
  "bc-location": HTMLElement;
}

interface DocumentEventMap {
  /** An invocation is being sent. */
  "backgroundcallbacks:invoke": CustomEvent<BackgroundCallbacks.EventDetail>;
  /** The server queued a job (202). */
  "backgroundcallbacks:job": CustomEvent<BackgroundCallbacks.EventDetail>;
  /** The client re-attached to a job started before a page reload. */
  "backgroundcallbacks:reattach": CustomEvent<BackgroundCallbacks.EventDetail>;
  /** A cancel was sent for a job. */
  "backgroundcallbacks:cancel": CustomEvent<BackgroundCallbacks.EventDetail>;
  /** A job's place in its line changed (`position`, `etaSeconds`), or it left the line (both null). */
  "backgroundcallbacks:queue": CustomEvent<BackgroundCallbacks.QueueEventDetail>;
  /** A job, inline or cached invocation ended: succeeded, failed or canceled. */
  "backgroundcallbacks:done": CustomEvent<BackgroundCallbacks.EventDetail>;
  /** Files were chosen or dropped on a file binding; hashing and uploading start. */
  "backgroundcallbacks:upload": CustomEvent<BackgroundCallbacks.UploadEventDetail>;
  /** More of the chosen files was sent (or found already stored on the server). */
  "backgroundcallbacks:uploadprogress": CustomEvent<BackgroundCallbacks.UploadEventDetail>;
  /** Every chosen file is stored; the property now holds their references and its callbacks run. */
  "backgroundcallbacks:uploaded": CustomEvent<BackgroundCallbacks.UploadEventDetail>;
  /**
   * A failure shown in the page: a failed job, a refused invocation, a job the server no longer knows, or a refused
   * upload (shown for each callback that takes the files). A lost connection is not one: see "connection".
   */
  "backgroundcallbacks:error": CustomEvent<BackgroundCallbacks.EventDetail>;
  /** Following jobs failed and is being retried (`reconnecting: true`), or works again (`false`). */
  "backgroundcallbacks:connection": CustomEvent<BackgroundCallbacks.ConnectionEventDetail>;
}

declare var BackgroundCallbacks: BackgroundCallbacks.Api;
