/*! BackgroundCallbacks browser client. The wire protocol it speaks is docs/protocol.md; the property model is docs/client.md. */
(function () {
  "use strict";

  if (window.BackgroundCallbacks && window.BackgroundCallbacks.ready) {
    return; // included twice: the first copy owns the page
  }

  const script = document.currentScript;
  const STORE_PREFIX = "bc.job|";
  const PAGE_KEY = "bc.page";
  const PAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
  const TRANSPORTS = ["auto", "events", "longpoll", "poll"];
  // The longest a client waits before it tries again: the server's abandoned-job grace must exceed it.
  const MAX_RETRY_DELAY = 30000;
  const FIRST_STREAM_RETRY = 5000;
  const MAX_STREAM_JOBS = 100;
  const LEADER_ANSWER_TIMEOUT = 3000;
  const LEADER_CHECK_INTERVAL = 10000;
  const UNITLESS = new Set(["opacity", "zIndex", "flex", "flexGrow", "flexShrink", "order", "fontWeight", "lineHeight", "zoom"]);

  const renderers = new Map();
  const customValues = new WeakMap();
  const styleKeys = new WeakMap();
  const parsedIds = new WeakMap();
  const debounceTimers = new WeakMap();
  const slots = new Map();
  const pending = new Map();
  const uploads = new WeakMap();

  let options = null;
  let callbacks = [];
  let started = null;
  let resolveReady;
  let rejectReady;
  let longPollBroken = false;
  let banner = null;
  let pageId = null;
  const outage = new Set(); // follows whose last request did not reach the server (or found it unable to answer)
  const wakers = new Set(); // the retry waits now running: coming back online ends them at once
  const requests = new Set(); // the follow requests in flight: going offline ends them at once
  let reconnectingNote = null; // the client's own "Reconnecting…" element, when the page has none
  let liveRegion = null;
  const busyCounts = new WeakMap(); // element -> how many running invocations have it as output
  const heldValues = new WeakMap(); // element -> Map(property -> { value, holders }): what one-value running entries give back
  const LOCATION_PROPERTIES = ["pathname", "search", "hash", "href"];
  let lastLocation = null; // the location as the page's <bc-location> components last reported it
  let navigationSource = null; // the callback whose output is navigating now: its own inputs do not fire on it

  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => { /* reported by start() */ });

  // ---------------------------------------------------------------- component ids

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function canonical(value) {
    if (Array.isArray(value)) {
      return "[" + value.map(canonical).join(",") + "]";
    }
    if (isObject(value)) {
      return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
    }
    return JSON.stringify(value === undefined ? null : value);
  }

  function sameValue(a, b) {
    return canonical(a) === canonical(b);
  }

  /** The id an element carries: the JSON object of data-bc-id, else its DOM id. */
  function componentId(element) {
    const raw = element.getAttribute && element.getAttribute("data-bc-id");
    if (raw) {
      const cached = parsedIds.get(element);
      if (cached && cached.raw === raw) {
        return cached.id;
      }
      let id = null;
      try {
        const parsed = JSON.parse(raw);
        id = isObject(parsed) ? parsed : null;
      } catch (e) {
        console.error("BackgroundCallbacks: data-bc-id is not a JSON object:", raw);
      }
      parsedIds.set(element, { raw, id });
      return id;
    }
    return element.id || null;
  }

  function patternKind(id) {
    if (typeof id === "string") {
      return "plain";
    }
    const values = Object.values(id);
    if (values.includes("MATCH")) {
      return "match";
    }
    if (values.includes("ALL")) {
      return "all";
    }
    return "object";
  }

  /** Whether a concrete component id fits a declared id (plain, concrete object, or pattern). */
  function idMatches(declared, actual) {
    if (actual === null || actual === undefined) {
      return false;
    }
    if (typeof declared === "string") {
      return declared === actual;
    }
    if (!isObject(actual)) {
      return false;
    }
    const keys = Object.keys(declared);
    if (keys.length !== Object.keys(actual).length) {
      return false;
    }
    return keys.every((k) => {
      if (!(k in actual)) {
        return false;
      }
      const want = declared[k];
      return want === "MATCH" || want === "ALL" ? !isObject(actual[k]) && !Array.isArray(actual[k]) : sameValue(want, actual[k]);
    });
  }

  function matchValuesOf(declared, actual) {
    const values = {};
    for (const k of Object.keys(declared)) {
      if (declared[k] === "MATCH") {
        values[k] = actual[k];
      }
    }
    return values;
  }

  function concretize(declared, match) {
    if (typeof declared === "string" || !match) {
      return declared;
    }
    const id = {};
    for (const k of Object.keys(declared)) {
      id[k] = declared[k] === "MATCH" ? match[k] : declared[k];
    }
    return id;
  }

  function parseWireId(id) {
    if (typeof id === "string" && id.charAt(0) === "{") {
      try {
        return JSON.parse(id);
      } catch (e) {
        return id;
      }
    }
    return id;
  }

  /** Every element whose id fits the declared id (and, for MATCH keys, the given values), in document order. */
  function findElements(declared, match) {
    if (typeof declared === "string") {
      const element = document.getElementById(declared);
      return element ? [element] : [];
    }
    const wanted = match ? concretize(declared, match) : declared;
    return Array.from(document.querySelectorAll("[data-bc-id]")).filter((e) => idMatches(wanted, componentId(e)));
  }

  // ---------------------------------------------------------------- the property model

  function cssName(name) {
    return name.startsWith("--") ? name : name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
  }

  function setStyle(element, style) {
    const previous = styleKeys.get(element) || new Set();
    const next = isObject(style) ? style : {};
    for (const key of previous) {
      if (!(key in next)) {
        element.style.removeProperty(cssName(key));
      }
    }
    for (const key of Object.keys(next)) {
      const value = next[key];
      if (value === null || value === undefined || value === "") {
        element.style.removeProperty(cssName(key));
      } else {
        element.style.setProperty(cssName(key), typeof value === "number" && !UNITLESS.has(key) ? value + "px" : String(value));
      }
    }
    styleKeys.set(element, new Set(Object.keys(next)));
  }

  function getStyle(element) {
    const style = {};
    for (const key of styleKeys.get(element) || []) {
      style[key] = element.style.getPropertyValue(cssName(key));
    }
    return style;
  }

  function asText(value) {
    if (value === null || value === undefined || value === false) {
      return "";
    }
    if (Array.isArray(value)) {
      return value.map(asText).join("");
    }
    if (typeof value === "object") {
      return JSON.stringify(value);
    }
    return String(value);
  }

  function isNumberInput(element) {
    return element.tagName === "INPUT" && (element.type === "number" || element.type === "range");
  }

  function hasNumericValue(element) {
    return element.tagName === "PROGRESS" || element.tagName === "METER";
  }

  function getValue(element) {
    if (hasNumericValue(element)) {
      return element.tagName === "PROGRESS" && !element.hasAttribute("value") ? null : element.value;
    }
    if (element.tagName === "SELECT" && element.multiple) {
      return Array.from(element.selectedOptions).map((o) => o.value);
    }
    if (isNumberInput(element)) {
      return element.value === "" ? null : Number(element.value);
    }
    return "value" in element ? element.value : element.getAttribute("value");
  }

  function setValue(element, value) {
    if (hasNumericValue(element)) {
      if (value === null || value === undefined || value === "") {
        element.removeAttribute("value");
      } else {
        element.value = Number(value);
      }
    } else if (element.tagName === "SELECT" && element.multiple) {
      const chosen = new Set((Array.isArray(value) ? value : [value]).map(String));
      for (const option of element.options) {
        option.selected = chosen.has(option.value);
      }
    } else if ("value" in element) {
      element.value = value === null || value === undefined ? "" : String(value);
    } else {
      setAttribute(element, "value", value);
    }
  }

  function setAttribute(element, name, value) {
    if (value === null || value === undefined || value === false) {
      element.removeAttribute(name);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
  }

  /** Whether the property holds a server-side reference here: some callback declares it server-side. */
  function isServerSide(element, property) {
    const id = componentId(element);
    if (id === null) {
      return false;
    }
    const fits = (d) => d.serverSide && d.property === property && idMatches(d.id, id);
    return callbacks.some((c) => c.outputs.some(fits) || c.inputs.some(fits) || c.state.some(fits));
  }

  /** The attribute that keeps a reference: the property itself is never written, so the reference is never rendered. */
  function referenceAttribute(property) {
    return "data-bc-ref-" + property.toLowerCase().replace(/[^a-z0-9_.-]/g, "_");
  }

  /** Whether the property is a file binding here: some callback takes it as a file (`"file": true`). */
  function isFileBinding(element, property) {
    const id = componentId(element);
    if (id === null) {
      return false;
    }
    const fits = (d) => d.file && d.property === property && idMatches(d.id, id);
    return callbacks.some((c) => c.inputs.some(fits) || c.state.some(fits));
  }

  /** A file input with `multiple`, or a drop zone with data-bc-drop="multiple", sends an array of references. */
  function takesManyFiles(element) {
    return element.tagName === "INPUT" ? element.multiple : element.getAttribute("data-bc-drop") === "multiple";
  }

  function readFiles(element, property) {
    const raw = element.getAttribute(referenceAttribute(property));
    if (raw === null || raw === "") {
      return null;
    }
    if (raw.charAt(0) !== "[") {
      return takesManyFiles(element) ? [raw] : raw;
    }
    try {
      const references = JSON.parse(raw);
      return Array.isArray(references) && references.length > 0 ? (takesManyFiles(element) ? references : references[0]) : null;
    } catch (e) {
      return null;
    }
  }

  /** References only: the bytes go up through POST {prefix}/uploads, never through a callback's JSON. */
  function writeFiles(element, property, value) {
    const list = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    if (!list.every((r) => typeof r === "string")) {
      console.error("BackgroundCallbacks: '" + property + "' is a file binding; it takes upload references, not values.");
      return;
    }
    if (list.length === 0) {
      element.removeAttribute(referenceAttribute(property));
      element.removeAttribute("data-bc-files");
      if (element.tagName === "INPUT" && element.type === "file") {
        element.value = "";
      }
    } else {
      element.setAttribute(referenceAttribute(property), takesManyFiles(element) ? JSON.stringify(list) : list[0]);
    }
  }

  function readProp(element, property) {
    if (isLocationProperty(element, property)) {
      return location[property];
    }
    if (isFileBinding(element, property)) {
      return readFiles(element, property);
    }
    if (isServerSide(element, property)) {
      return element.getAttribute(referenceAttribute(property));
    }
    const renderer = renderers.get(property);
    if (renderer) {
      if (renderer.read) {
        return renderer.read(element);
      }
      const stored = customValues.get(element);
      return stored && property in stored ? stored[property] : null;
    }
    switch (property) {
      case "n_clicks": {
        const raw = element.getAttribute("data-n-clicks");
        return raw === null || raw === "" ? null : Number(raw);
      }
      case "value":
        return getValue(element);
      case "children":
        return element.textContent;
      case "disabled":
        return "disabled" in element ? element.disabled : element.hasAttribute("disabled");
      case "hidden":
        return element.hidden;
      case "checked":
        return !!element.checked;
      case "style":
        return getStyle(element);
      case "className":
        return element.className;
      case "max":
        if (hasNumericValue(element)) {
          return element.tagName === "PROGRESS" && !element.hasAttribute("max") ? null : element.max;
        }
        break;
      default:
        break;
    }
    const stored = customValues.get(element);
    if (stored && property in stored) {
      return stored[property];
    }
    return element.getAttribute(property);
  }

  function writeProp(element, property, value) {
    if (isLocationProperty(element, property)) {
      navigate(property, value);
      return;
    }
    if (isFileBinding(element, property)) {
      writeFiles(element, property, value);
      return;
    }
    if (isServerSide(element, property)) {
      if (value === null || value === undefined) {
        element.removeAttribute(referenceAttribute(property));
      } else if (typeof value === "string") {
        element.setAttribute(referenceAttribute(property), value);
      } else {
        console.error("BackgroundCallbacks: '" + property + "' is a server-side property; it takes a reference string, not a value.");
      }
      return;
    }
    const renderer = renderers.get(property);
    if (renderer) {
      rememberCustom(element, property, value);
      try {
        renderer.render(element, value);
      } catch (e) {
        console.error("BackgroundCallbacks: the renderer of '" + property + "' failed:", e);
      }
      return;
    }
    switch (property) {
      case "n_clicks":
        setAttribute(element, "data-n-clicks", value === null || value === undefined ? null : Number(value));
        return;
      case "value":
        setValue(element, value);
        return;
      case "children":
        element.textContent = asText(value); // text, never HTML
        return;
      case "disabled":
        if ("disabled" in element) {
          element.disabled = !!value;
        } else {
          setAttribute(element, "disabled", !!value);
          setAttribute(element, "aria-disabled", value ? "true" : null);
        }
        return;
      case "hidden":
        element.hidden = !!value;
        return;
      case "checked":
        element.checked = !!value;
        return;
      case "style":
        setStyle(element, value);
        return;
      case "className":
        element.className = asText(value);
        return;
      case "max":
        if (hasNumericValue(element)) {
          if (value === null || value === undefined || value === "") {
            element.removeAttribute("max");
          } else {
            element.max = Number(value);
          }
          return;
        }
        break;
      default:
        break;
    }
    if (/^on/i.test(property)) {
      console.error("BackgroundCallbacks: refusing to set the event handler attribute '" + property + "'.");
      return;
    }
    // A URL attribute fed from a handler's output must not run script when followed.
    if (/^(href|src|action|formaction|xlink:href|srcdoc)$/i.test(property) && typeof value === "string"
        && (/^srcdoc$/i.test(property) || /^(javascript:|vbscript:|data:text\/html)/i.test(value.replace(/[\u0000-\u0020]/g, "")))) {
      console.error("BackgroundCallbacks: refusing a script URL for the attribute '" + property + "'.");
      return;
    }
    if (value !== null && typeof value === "object") {
      rememberCustom(element, property, value); // waits for a renderer registered later
      return;
    }
    setAttribute(element, property, value);
  }

  // ---------------------------------------------------------------- the page location as a component

  /** `<bc-location id="url">` stands for the page's location, as Dash's dcc.Location does. */
  function isLocationProperty(element, property) {
    return element.tagName === "BC-LOCATION" && LOCATION_PROPERTIES.includes(property);
  }

  function locationNow() {
    return { pathname: location.pathname, search: location.search, hash: location.hash, href: location.href };
  }

  /** Writing a location property pushes a history entry, without a page load; another origin is refused. */
  function navigate(property, value) {
    const text = value === null || value === undefined ? "" : String(value);
    let target;
    try {
      target = property === "href" ? new URL(text, location.href) : new URL(location.href);
    } catch (e) {
      console.error("BackgroundCallbacks: '" + text + "' is not a URL.");
      return;
    }
    if (target.origin !== location.origin) {
      console.error("BackgroundCallbacks: refusing to navigate to another origin through the location component.");
      return;
    }
    if (property !== "href") {
      target[property] = text;
    }
    if (target.href !== location.href) {
      history.pushState(null, "", target.href);
    }
  }

  /** After any navigation: the location components' properties that changed fire the callbacks that take them. */
  function locationChanged() {
    const now = locationNow();
    const changed = LOCATION_PROPERTIES.filter((p) => !lastLocation || lastLocation[p] !== now[p]);
    lastLocation = now;
    if (changed.length === 0) {
      return;
    }
    for (const element of document.querySelectorAll("bc-location")) {
      for (const property of changed) {
        propertyChanged(element, property, navigationSource);
      }
    }
  }

  /** pushState and replaceState raise no event, so the client wraps them; popstate and hashchange cover the rest. */
  function watchLocation() {
    lastLocation = locationNow();
    for (const name of ["pushState", "replaceState"]) {
      const original = history[name];
      history[name] = function () {
        const result = original.apply(this, arguments);
        locationChanged();
        return result;
      };
    }
    addEventListener("popstate", locationChanged);
    addEventListener("hashchange", locationChanged);
  }

  function rememberCustom(element, property, value) {
    const stored = customValues.get(element) || {};
    stored[property] = value;
    customValues.set(element, stored);
  }

  /** Applies the initial props a page writes as JSON in data-bc-props, e.g. a chart's first figure. */
  function applyInitialProps(element, onlyProperty) {
    const raw = element.getAttribute("data-bc-props");
    if (!raw) {
      return;
    }
    let props;
    try {
      props = JSON.parse(raw);
    } catch (e) {
      console.error("BackgroundCallbacks: data-bc-props is not JSON:", raw);
      return;
    }
    if (!isObject(props)) {
      return;
    }
    for (const property of Object.keys(props)) {
      if (onlyProperty === undefined || onlyProperty === property) {
        const stored = customValues.get(element);
        writeProp(element, property, stored && property in stored && onlyProperty !== undefined ? stored[property] : props[property]);
      }
    }
  }

  // ---------------------------------------------------------------- callbacks and their dependencies

  function normalizeDependency(d) {
    const id = parseWireId(d.id);
    return Object.assign({}, d, { id, kind: patternKind(id) });
  }

  function normalize(callback) {
    const c = {
      id: callback.id,
      interval: callback.interval > 0 ? callback.interval : 1000,
      preventInitialCall: !!callback.preventInitialCall,
      inputs: (callback.inputs || []).map(normalizeDependency),
      state: (callback.state || []).map(normalizeDependency),
      outputs: (callback.outputs || []).map(normalizeDependency),
      running: (callback.running || []).map(normalizeDependency),
      progress: (callback.progress || []).map(normalizeDependency),
      cancel: (callback.cancel || []).map(normalizeDependency),
    };
    const all = [].concat(c.inputs, c.state, c.outputs, c.running, c.progress, c.cancel);
    c.hasMatch = all.some((d) => d.kind === "match");
    // An optional input or state may be missing: the client sends null for it, so the callback still belongs here.
    c.plain = all.filter((d) => d.kind === "plain" && !d.optional && (c.inputs.includes(d) || c.state.includes(d) || c.outputs.includes(d)));
    return c;
  }

  /** A callback belongs to this page when the components it names by plain id are all here. */
  function isPresent(callback) {
    return callback.plain.every((d) => document.getElementById(d.id));
  }

  /**
   * A page holds some of a callback's components but not all: the callback cannot run here, which is almost always a
   * typo or a forgotten element. Said once per callback; a callback none of whose components are here belongs to
   * another page and is not mentioned.
   */
  const warnedIncomplete = new Set();
  function warnIfIncomplete(callback) {
    const missing = callback.plain.filter((d) => !document.getElementById(d.id)).map((d) => d.id);
    if (missing.length === 0 || missing.length === callback.plain.length || warnedIncomplete.has(callback.id)) {
      return;
    }
    warnedIncomplete.add(callback.id);
    console.warn("BackgroundCallbacks: callback \"" + callback.id + "\" does not run on this page: it has no component with id " +
      Array.from(new Set(missing)).join(", ") + " (an input or state declared Optional would be sent as null instead).");
  }

  /** The MATCH groups present in the page: one per distinct value set among the elements matching a MATCH input. */
  function matchGroups(callback) {
    const groups = new Map();
    for (const input of callback.inputs.filter((d) => d.kind === "match")) {
      for (const element of findElements(input.id)) {
        const values = matchValuesOf(input.id, componentId(element));
        groups.set(canonical(values), values);
      }
    }
    return Array.from(groups.values());
  }

  function slotKey(callback, match) {
    return callback.id + "|" + (match ? canonical(match) : "");
  }

  function slotFor(callback, match) {
    const key = slotKey(callback, match);
    let slot = slots.get(key);
    if (!slot) {
      slot = { key, callback, match, token: 0, sending: 0, posting: false, queued: null, handle: null, poll: null, cancelWanted: false };
      slots.set(key, slot);
    }
    return slot;
  }

  function wireValue(dependency, match) {
    if (dependency.kind === "all") {
      const elements = findElements(dependency.id);
      return {
        id: dependency.id,
        property: dependency.property,
        value: elements.map((e) => nullable(readProp(e, dependency.property))),
        ids: elements.map(componentId),
      };
    }
    const id = concretize(dependency.id, match);
    const element = findElements(id)[0];
    return { id, property: dependency.property, value: element ? nullable(readProp(element, dependency.property)) : null };
  }

  function nullable(value) {
    return value === undefined ? null : value;
  }

  function triggeredName(dependency, element) {
    const id = dependency.kind === "plain" ? dependency.id : canonical(componentId(element));
    return id + "." + dependency.property;
  }

  // ---------------------------------------------------------------- applying values

  function applyValues(list, source) {
    for (const item of list || []) {
      applyProps(parseWireId(item.id), { [item.property]: item.value }, source);
    }
  }

  /** Sets props on the components with this id; when `source` is given, the change may trigger other callbacks. */
  function applyProps(id, props, source) {
    const elements = findElements(id);
    if (elements.length === 0) {
      console.warn("BackgroundCallbacks: no component with id " + canonical(id) + " in the page.");
    }
    for (const element of elements) {
      for (const property of Object.keys(props)) {
        if (isLocationProperty(element, property)) {
          // The navigation fires every location property that changed (href with pathname), not only this one.
          navigationSource = source === undefined ? null : source;
          try {
            writeProp(element, property, props[property]);
          } finally {
            navigationSource = null;
          }
          continue;
        }
        writeProp(element, property, props[property]);
        if (source !== undefined) {
          propertyChanged(element, property, source);
        }
      }
    }
  }

  function applyRunning(callback, match, which) {
    for (const running of callback.running) {
      if (which === "whileRunning" || !running.restore) {
        applyProps(concretize(running.id, match), { [running.property]: running[which] });
      }
    }
  }

  /**
   * Reads, before the running values are set, what the one-value entries ("restore": true) will give back. Several
   * invocations may hold one property (a button two callbacks disable): the first reads it, the last gives it back,
   * so a value read while another invocation runs is never the one restored.
   */
  function holdRunningValues(slot) {
    if (slot.held) {
      return; // a superseding invocation: the value to give back was read when the first one started
    }
    slot.held = [];
    for (const running of slot.callback.running.filter((r) => r.restore)) {
      for (const element of findElements(concretize(running.id, slot.match))) {
        let held = heldValues.get(element);
        if (!held) {
          held = new Map();
          heldValues.set(element, held);
        }
        const entry = held.get(running.property);
        if (entry) {
          entry.holders++;
        } else {
          held.set(running.property, { value: nullable(readProp(element, running.property)), holders: 1 });
        }
        slot.held.push({ element, property: running.property });
      }
    }
  }

  function releaseRunningValues(slot) {
    for (const { element, property } of slot.held || []) {
      const held = heldValues.get(element);
      const entry = held && held.get(property);
      if (entry && --entry.holders === 0) {
        held.delete(property);
        writeProp(element, property, entry.value);
      }
    }
    slot.held = null;
  }

  function applyProgressDefaults(callback, match) {
    for (const progress of callback.progress) {
      applyProps(concretize(progress.id, match), { [progress.property]: progress.default === undefined ? null : progress.default });
    }
  }

  // ---------------------------------------------------------------- the running state, accessibly

  /**
   * An invocation starts: the running values are set, its outputs are marked `aria-busy`, and the element that had
   * focus is remembered when a running value disables it (the browser drops its focus to the page), so it gets the
   * focus back when the invocation ends.
   */
  function startRunning(slot, triggered) {
    const focused = document.activeElement;
    holdRunningValues(slot);
    applyRunning(slot.callback, slot.match, "whileRunning");
    setBusy(slot, true);
    if (focused && focused !== document.body && (focused.disabled || focused.inert || focused.hidden)) {
      slot.focusReturn = focused;
    }
    if (triggered.length > 0) {
      slot.label = labelOf(triggered);
    }
  }

  function setBusy(slot, busy) {
    if (!!slot.busy === busy) {
      return;
    }
    slot.busy = busy;
    if (busy) {
      const elements = new Set();
      for (const output of slot.callback.outputs) {
        for (const element of findElements(concretize(output.id, slot.match))) {
          elements.add(element);
        }
      }
      slot.busyElements = Array.from(elements);
    }
    for (const element of slot.busyElements || []) {
      // Several invocations (MATCH groups, a callback and another one) can share an output: it is busy while any runs.
      const count = (busyCounts.get(element) || 0) + (busy ? 1 : -1);
      busyCounts.set(element, Math.max(0, count));
      if (count > 0) {
        element.setAttribute("aria-busy", "true");
      } else {
        element.removeAttribute("aria-busy");
      }
    }
    if (!busy) {
      slot.busyElements = null;
    }
  }

  function restoreFocus(slot) {
    const element = slot.focusReturn;
    slot.focusReturn = null;
    const active = document.activeElement;
    // Only when the focus is nowhere (the page itself): a user who has moved on keeps their place.
    if (element && element.isConnected && !element.disabled && (!active || active === document.body || active === element)) {
      element.focus({ preventScroll: true });
    }
  }

  /** The name an announcement gives an invocation: the control that triggered it, as a screen reader names it. */
  function labelOf(triggered) {
    for (const name of triggered) {
      const dot = name.lastIndexOf(".");
      const raw = dot > 0 ? name.slice(0, dot) : name;
      let element = document.getElementById(raw);
      if (!element && raw.startsWith("{")) {
        try {
          element = findElements(JSON.parse(raw))[0];
        } catch (e) {
          // not an id
        }
      }
      if (element) {
        const label = element.getAttribute("data-bc-label") || element.getAttribute("aria-label") ||
          (element.labels && element.labels[0] && element.labels[0].textContent) || element.textContent || element.getAttribute("title") || "";
        const text = label.replace(/\s+/g, " ").trim();
        if (text) {
          return text.length > 80 ? text.slice(0, 79) + "\u2026" : text;
        }
      }
    }
    return null;
  }

  /**
   * Says, politely, that a job ended: assistive technology hears it without the user looking for the result. The
   * page's own `[data-bc-live]` element takes the text if there is one; else a visually hidden one of the client's.
   */
  function announce(slot, status, error) {
    if (!options.announce) {
      return;
    }
    const name = slot.label || "The task";
    const text = status === "succeeded" ? name + " finished."
      : status === "canceled" ? name + " cancelled."
      : name + " failed" + (error ? ": " + error : ".");
    const region = document.querySelector("[data-bc-live]") || liveRegion;
    if (!region) {
      return;
    }
    // Emptied first, so the same words twice in a row are announced twice.
    region.textContent = "";
    setTimeout(() => {
      region.textContent = text;
    }, 50);
  }

  function createLiveRegion() {
    if (!options.announce || document.querySelector("[data-bc-live]")) {
      return;
    }
    liveRegion = document.createElement("div");
    liveRegion.className = "bc-live";
    liveRegion.setAttribute("role", "status");
    liveRegion.setAttribute("aria-live", "polite");
    liveRegion.setAttribute("aria-atomic", "true");
    liveRegion.style.cssText =
      "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap";
    document.body.appendChild(liveRegion);
  }

  // ---------------------------------------------------------------- errors in the page

  function errorTargets(callback) {
    return Array.from(document.querySelectorAll("[data-bc-error-for]")).filter((e) => e.getAttribute("data-bc-error-for") === callback.id);
  }

  function showError(slot, message) {
    const callback = slot.callback;
    const text = message || "The callback failed.";
    console.error("BackgroundCallbacks: callback '" + callback.id + "' failed: " + text);
    document.dispatchEvent(new CustomEvent("backgroundcallbacks:error", { detail: { callbackId: callback.id, match: slot.match, message: text } }));
    const targets = errorTargets(callback);
    if (targets.length > 0) {
      for (const target of targets) {
        target.textContent = text;
        target.hidden = false;
      }
      return;
    }
    const area = document.querySelector("[data-bc-errors]");
    if (area) {
      let line = Array.from(area.children).find((e) => e.getAttribute("data-bc-error-key") === slot.key);
      if (!line) {
        line = document.createElement("p");
        line.setAttribute("data-bc-error-key", slot.key);
        area.appendChild(line);
      }
      line.textContent = text;
      area.hidden = false;
      return;
    }
    showBanner(slot.key, text); // end users see the message; the callback's id is for developers, on the console
  }

  function clearError(slot) {
    for (const target of errorTargets(slot.callback)) {
      target.textContent = "";
      target.hidden = true;
    }
    const area = document.querySelector("[data-bc-errors]");
    const line = area && Array.from(area.children).find((e) => e.getAttribute("data-bc-error-key") === slot.key);
    if (line) {
      line.remove();
      area.hidden = area.children.length === 0;
    }
    const bannerLine = banner && Array.from(banner.querySelectorAll("[data-bc-error-key]")).find((e) => e.getAttribute("data-bc-error-key") === slot.key);
    if (bannerLine) {
      bannerLine.remove();
      if (!banner.querySelector("[data-bc-error-key]")) {
        banner.remove();
        banner = null;
      }
    }
  }

  function showBanner(key, text) {
    if (!banner || !banner.isConnected) {
      banner = document.createElement("div");
      banner.className = "bc-error-banner";
      banner.setAttribute("role", "alert");
      banner.style.cssText =
        "position:fixed;right:16px;bottom:16px;max-width:min(480px,calc(100vw - 32px));z-index:2147483647;" +
        "padding:12px 40px 12px 16px;border-radius:8px;background:#b42318;color:#fff;font:14px/1.4 system-ui,sans-serif;" +
        "box-shadow:0 6px 24px rgba(0,0,0,.25)";
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "\u00d7";
      close.setAttribute("aria-label", "Dismiss");
      close.style.cssText = "position:absolute;top:6px;right:8px;border:0;background:none;color:inherit;font-size:20px;cursor:pointer";
      close.addEventListener("click", () => {
        banner.remove();
        banner = null;
      });
      banner.appendChild(close);
      document.body.appendChild(banner);
    }
    let line = banner.querySelector('[data-bc-error-key="' + CSS.escape(key) + '"]');
    if (!line) {
      line = document.createElement("div");
      line.setAttribute("data-bc-error-key", key);
      banner.appendChild(line);
    }
    line.textContent = text;
  }

  async function problemText(response) {
    let text = "";
    try {
      text = await response.text();
    } catch (e) {
      // the status alone, below
    }
    return problemTextOf(response.status, text);
  }

  function problemTextOf(status, text) {
    try {
      const body = JSON.parse(text);
      return [body.title, body.detail].filter(Boolean).join(": ") || "HTTP " + status;
    } catch (e) {
      return "HTTP " + status;
    }
  }

  // ---------------------------------------------------------------- the job store (sessionStorage)

  function storeKey(slot) {
    return STORE_PREFIX + location.pathname + "|" + slot.key;
  }

  function remember(slot, handle) {
    try {
      sessionStorage.setItem(storeKey(slot), JSON.stringify({ callbackId: slot.callback.id, match: slot.match, handle }));
    } catch (e) {
      // storage full or denied: the job still runs, it only cannot survive a reload
    }
  }

  function forget(slot) {
    try {
      sessionStorage.removeItem(storeKey(slot));
    } catch (e) {
      // see remember
    }
  }

  function rememberedJobs() {
    const jobs = [];
    try {
      const prefix = STORE_PREFIX + location.pathname + "|";
      for (let i = 0; i < sessionStorage.length; i++) {
        const key = sessionStorage.key(i);
        if (key && key.startsWith(prefix)) {
          try {
            jobs.push({ key, record: JSON.parse(sessionStorage.getItem(key)) });
          } catch (e) {
            jobs.push({ key, record: null });
          }
        }
      }
    } catch (e) {
      // storage denied: nothing to re-attach
    }
    return jobs;
  }

  // ---------------------------------------------------------------- the page id

  function newId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function setPage(id) {
    pageId = id;
    try {
      sessionStorage.setItem(PAGE_KEY, id);
    } catch (e) {
      // storage denied: the id lasts as long as the page
    }
  }

  /**
   * This tab's id, sent with every invocation, so a new invocation supersedes only this tab's previous one. It lives
   * in sessionStorage: a reloaded tab keeps it (and re-attaches to its jobs), another tab has its own.
   */
  function page() {
    if (!pageId) {
      let stored = null;
      try {
        stored = sessionStorage.getItem(PAGE_KEY);
      } catch (e) {
        // storage denied
      }
      setPage(stored && PAGE_ID.test(stored) ? stored : newId());
    }
    return pageId;
  }

  /**
   * A duplicated tab starts with a copy of its original's sessionStorage, page id included. Ask the other tabs of this
   * origin whether one uses this id now; if one does, take a new one before the first invocation.
   */
  function claimPage() {
    if (typeof BroadcastChannel !== "function") {
      return Promise.resolve();
    }
    const channel = new BroadcastChannel(PAGE_KEY);
    const nonce = newId();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 150);
      channel.onmessage = (event) => {
        const message = event.data || {};
        if (message.page !== page()) {
          return;
        }
        if (message.type === "hello" && message.nonce !== nonce) {
          channel.postMessage({ type: "taken", page: message.page, nonce: message.nonce });
        } else if (message.type === "taken" && message.nonce === nonce) {
          setPage(newId());
          clearTimeout(timer);
          resolve();
        }
      };
      channel.postMessage({ type: "hello", page: page(), nonce });
    });
  }

  // ---------------------------------------------------------------- invocations and jobs

  function url(path) {
    return options.prefix + path;
  }

  function jobUrl(handle) {
    return url("/jobs/" + encodeURIComponent(handle));
  }

  /**
   * Waits, ended early by the signal. A wait before following a job again after a failed request is `wakeable`: the
   * browser coming back online, or the tab becoming visible again (a hidden tab's timers are throttled), ends it at once.
   */
  function delay(ms, signal, wakeable = false) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeable) {
        wakers.add(done);
      }
      if (signal) {
        signal.addEventListener("abort", done, { once: true });
      }
    });
  }

  function wakeRetries() {
    for (const wake of Array.from(wakers)) {
      wake();
    }
  }

  /**
   * The browser says the network is gone. A request already open (the stream, a held long poll) may hang rather than
   * fail, so it is ended now: the jobs it followed show the reconnecting state, and are followed again when it is back.
   */
  function onOffline() {
    for (const controller of Array.from(requests)) {
      controller.abort();
    }
    if (hub && hub.leading && source) {
      dropStream(MAX_RETRY_DELAY); // the "online" event lifts the pause
    }
  }

  /** The network is back: what failed during the outage (the stream, long polls) is tried again now, not after its pause. */
  function onOnline() {
    eventsBlockedUntil = 0;
    leaderBlockedUntil = 0;
    streamBackoff = 0;
    longPollBroken = false;
    for (const state of outage) {
      state.eventsBlockedUntil = 0;
      state.plainNext = false;
    }
    showTransport();
    wakeRetries();
  }

  // ---------------------------------------------------------------- reconnecting

  /**
   * A follow lost the server (or found it unable to answer) and keeps trying; the page shows a quiet "reconnecting"
   * state while any does: `<html data-bc-reconnecting>`, the page's own `[data-bc-reconnecting-note]` elements shown,
   * or else a small status line of the client's, and a `backgroundcallbacks:connection` event at each change.
   */
  function setOutage(state, down) {
    const before = outage.size > 0;
    if (down) {
      outage.add(state);
    } else {
      outage.delete(state);
    }
    const now = outage.size > 0;
    if (before === now) {
      return;
    }
    document.documentElement.toggleAttribute("data-bc-reconnecting", now);
    const own = document.querySelectorAll("[data-bc-reconnecting-note]");
    for (const element of own) {
      element.hidden = !now;
    }
    if (now && own.length === 0 && options.reconnectingNote) {
      reconnectingNote = document.createElement("div");
      reconnectingNote.className = "bc-reconnecting";
      reconnectingNote.setAttribute("role", "status");
      reconnectingNote.textContent = options.reconnectingText;
      reconnectingNote.style.cssText =
        "position:fixed;left:16px;bottom:16px;max-width:calc(100vw - 32px);z-index:2147483646;padding:6px 12px;" +
        "border-radius:999px;background:#f2f4f7;color:#344054;border:1px solid #d0d5dd;font:13px/1.4 system-ui,sans-serif;" +
        "box-shadow:0 2px 8px rgba(0,0,0,.12)";
      document.body.appendChild(reconnectingNote);
    } else if (!now && reconnectingNote) {
      reconnectingNote.remove();
      reconnectingNote = null;
    }
    emit("connection", { reconnecting: now });
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("backgroundcallbacks:" + name, { detail }));
  }

  /** Starts an invocation of a callback (for one MATCH group); it supersedes the group's previous one. */
  function invoke(callback, match, triggered) {
    const slot = slotFor(callback, match);
    slot.token++;
    if (slot.poll) {
      slot.poll.abort(); // stop following the job this invocation supersedes
      slot.poll = null;
      slot.superseded = slot.handle;
    }
    showQueue(slot, null, null);
    clearError(slot);
    startRunning(slot, triggered);
    if (slot.posting) {
      // Requests from one page may reach the server out of order; sending one at a time keeps the last one last.
      slot.queued = (slot.queued || []).concat(triggered);
      return;
    }
    send(slot, triggered);
  }

  /** The page the user is on, for handlers that bind [FromPageUrl]; the server refuses what is not an http(s) URL. */
  function pageUrl() {
    const href = location.href;
    return /^https?:/i.test(href) && href.length <= 8192 ? href : null;
  }

  async function send(slot, triggered) {
    const callback = slot.callback;
    const token = slot.token;
    const body = {
      inputs: callback.inputs.map((d) => wireValue(d, slot.match)),
      state: callback.state.map((d) => wireValue(d, slot.match)),
      triggered: Array.from(new Set(triggered)),
      page: page(),
      url: pageUrl(),
    };
    slot.posting = true;
    slot.sending = token;
    slot.handle = null;
    slot.cancelWanted = false;
    let response = null;
    let failure = null;
    try {
      emit("invoke", { callbackId: callback.id, match: slot.match, triggered: body.triggered });
      response = await fetch(url("/callbacks/" + encodeURIComponent(callback.id)), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      failure = "Could not reach the server to start the callback.";
    }
    slot.posting = false;
    if (slot.queued) {
      const next = slot.queued;
      slot.queued = null;
      send(slot, next);
      return;
    }
    if (token !== slot.token) {
      return;
    }
    if (failure) {
      showError(slot, failure);
      finish(slot, token);
      return;
    }
    let answer = null;
    if (response.status === 200 || response.status === 202) {
      try {
        answer = await response.json();
      } catch (e) {
        showError(slot, "The server's answer could not be read.");
        finish(slot, token);
        return;
      }
    }
    if (token !== slot.token) {
      return;
    }
    // A miss supersedes the previous job on the server; a cache hit does not reach the queue, so cancel it from here.
    const superseded = slot.superseded;
    slot.superseded = null;
    if (response.status === 200 && superseded) {
      requestCancel(slot, superseded);
    }
    if (response.status === 200 && answer.inline) {
      // An inline callback ran in the request: its answer is the whole job at once, side updates first as a job's arrive.
      emit("done", { callbackId: callback.id, match: slot.match, status: answer.status, cached: false, inline: true });
      for (const update of answer.sideUpdates || []) {
        applyProps(parseWireId(update.id), update.props || {}, callback.id);
      }
      if (answer.status === "succeeded") {
        applyValues(answer.outputs, callback.id);
      } else if (answer.status === "failed") {
        showError(slot, answer.error);
      }
      finish(slot, token);
    } else if (response.status === 200) {
      emit("done", { callbackId: callback.id, match: slot.match, status: answer.status, cached: !!answer.cached });
      applyValues(answer.outputs, callback.id);
      finish(slot, token);
    } else if (response.status === 202) {
      slot.handle = answer.handle;
      remember(slot, answer.handle);
      emit("job", { callbackId: callback.id, match: slot.match, handle: answer.handle, status: answer.status });
      showQueue(slot, answer.handle, answer);
      if (slot.cancelWanted) {
        requestCancel(slot);
      }
      await follow(slot, token, answer.handle, answer.version || 0, answer.interval || callback.interval, false);
    } else {
      // A refused invocation, e.g. 410/422 for a server-side reference that expired or is not this session's.
      showError(slot, await problemText(response));
      finish(slot, token);
    }
  }

  // ---------------------------------------------------------------- following a job

  /** The transport a follow uses now: the browser's one event stream, else long polls, else plain polls. */
  function transportFor(state) {
    if (options.transport === "poll") {
      return "poll";
    }
    const now = Date.now();
    if (hub && now >= eventsBlockedUntil && !(state && now < state.eventsBlockedUntil)) {
      return "events";
    }
    return longPollBroken || (state && state.plainNext) ? "poll" : "longpoll";
  }

  /** Tells tests and the curious how jobs are followed now: `<html data-bc-transport="events|longpoll|poll">`. */
  function showTransport() {
    document.documentElement.setAttribute("data-bc-transport", transportFor(null));
  }

  /**
   * Follows a job until it ends: by the browser's one event stream while it works, else by long polls, else by plain
   * polls every `interval`. A follow that fell back to polling tries the stream again once its pause is over. Through
   * an outage it keeps trying, and it gives up only when the server says the job is gone.
   */
  async function follow(slot, token, handle, after, interval, reattached) {
    const controller = new AbortController();
    slot.poll = controller;
    slot.handle = handle;
    const state = { slot, token, handle, after, interval, reattached, failures: 0, plainNext: false, eventsBlockedUntil: 0 };
    try {
      while (token === slot.token && !controller.signal.aborted) {
        const transport = transportFor(state);
        showTransport();
        const outcome = transport === "events"
          ? await followByEvents(state, controller.signal)
          : await poll(state, controller.signal, transport === "longpoll");
        if (outcome === "ended") {
          return;
        }
      }
    } finally {
      flushProgress(state);
      setOutage(state, false);
    }
  }

  /** One poll of the job: "ended" once the job has ended or can no longer be followed, else "again". */
  async function poll(state, signal, longPoll) {
    const slot = state.slot;
    const started = Date.now();
    let response;
    let job = null;
    // The request ends with the follow, when the browser goes offline, or when no answer comes long after the server
    // should have answered (a connection that died without a word).
    const request = new AbortController();
    const onAbort = () => request.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    requests.add(request);
    const deadline = setTimeout(onAbort, (longPoll ? options.wait : 0) + 30000);
    try {
      // A long poll names the place in line it knows (-1: none), so a waiting job's place comes at once and each move after.
      const position = longPoll ? "&wait=" + options.wait + "&position=" + (typeof state.position === "number" ? state.position : -1) : "";
      response = await fetch(jobUrl(state.handle) + "?after=" + state.after + position, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: request.signal,
      });
      if (response.ok) {
        job = await response.json();
      }
    } catch (e) {
      if (signal.aborted) {
        return "ended";
      }
      response = null;
    } finally {
      clearTimeout(deadline);
      requests.delete(request);
      signal.removeEventListener("abort", onAbort);
    }
    if (state.token !== slot.token) {
      return "ended";
    }
    if (!response || response.status === 502 || response.status === 503 || response.status === 504 || (response.ok && !job)) {
      // The network, a proxy or the server is down, or the backend is (503): the job may well still run, so the page
      // keeps its running state and tries again, ever less often, until the server answers.
      if (longPoll && (!response || response.status !== 503)) {
        state.plainNext = true; // a proxy may cut requests held open: a plain poll tries at once
        return "again";
      }
      state.plainNext = false; // a plain poll fails too: an outage, not a proxy
      state.failures++;
      setOutage(state, true);
      const retryAfter = response && Number(response.headers.get("Retry-After"));
      const wait = navigator.onLine === false
        ? MAX_RETRY_DELAY // the browser's "online" event ends the wait
        : retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** Math.min(state.failures - 1, 6);
      await delay(Math.min(MAX_RETRY_DELAY, wait), signal, true);
      return "again";
    }
    setOutage(state, false);
    state.failures = 0;
    if (!longPoll && state.plainNext) {
      // A long poll failed and the plain poll sent right after it got through: a proxy that cuts held requests, not an
      // outage (in one, the plain poll fails too), so from now on this page polls plainly.
      state.plainNext = false;
      longPollBroken = true;
      showTransport();
    }
    if (response.status === 404) {
      lost(state);
      return "ended";
    }
    if (!response.ok) {
      showError(slot, await problemText(response));
      finish(slot, state.token);
      return "ended";
    }
    const outcome = applyJob(state, job);
    if (outcome === "ended") {
      return "ended";
    }
    if (!longPoll || (outcome === "same" && Date.now() - started < options.wait / 2)) {
      await delay(Math.min(MAX_RETRY_DELAY, state.interval), signal); // plain polling, or a server that did not hold the request
    }
    return "again";
  }

  /** The server does not know the job (a 404, or the stream's job-error): it expired, or is another session's. */
  function lost(state) {
    if (!state.reattached) {
      showError(state.slot, "The job is no longer known to the server.");
    }
    finish(state.slot, state.token);
  }

  const ENDED = new Set(["succeeded", "failed", "canceled"]);

  /**
   * Shows a job's progress and side updates at most once per `interval` (Dash's meaning: the pace at which the page
   * sees a running job, whatever the transport). News that comes sooner waits for its turn: the latest progress
   * replaces progress not yet shown, side updates are all shown, in order. When the job ends, what waits is shown at
   * once, before the result.
   */
  function render(state, news) {
    if (!news.progress && news.sideUpdates.length === 0) {
      return;
    }
    const waiting = state.waiting || { progress: null, sideUpdates: [] };
    state.waiting = {
      progress: news.progress || waiting.progress,
      sideUpdates: waiting.sideUpdates.concat(news.sideUpdates),
    };
    const due = (state.shownAt || -Infinity) + Math.max(0, state.interval || 0);
    const now = performance.now();
    if (now >= due && !state.renderTimer) {
      flushProgress(state);
    } else if (!state.renderTimer) {
      state.renderTimer = setTimeout(() => {
        state.renderTimer = 0;
        flushProgress(state);
      }, due - now);
    }
  }

  function flushProgress(state) {
    clearTimeout(state.renderTimer);
    state.renderTimer = 0;
    const waiting = state.waiting;
    state.waiting = null;
    // A job the user cancelled shows nothing more of its run: a step that waited for its turn would otherwise land
    // after what the cancel itself wrote (a "Cancelled" line, say).
    if (!waiting || state.token !== state.slot.token || state.slot.cancelledToken === state.token) {
      return;
    }
    state.shownAt = performance.now();
    if (waiting.progress) {
      applyValues(waiting.progress);
    }
    for (const update of waiting.sideUpdates) {
      applyProps(parseWireId(update.id), update.props || {}, state.slot.callback.id);
    }
  }

  /** Applies one state of the job, from a poll or the stream: "ended", "changed" (news) or "same". */
  function applyJob(state, job) {
    const slot = state.slot;
    const callback = slot.callback;
    if (state.token !== slot.token) {
      return "ended";
    }
    const news = {
      progress: job.progress && job.progressVersion > state.after ? job.progress : null,
      sideUpdates: (job.sideUpdates || []).filter((update) => update.version > state.after),
    };
    const changed = job.version > state.after;
    state.after = Math.max(state.after, job.version || 0);
    render(state, news);
    if (ENDED.has(job.status)) {
      flushProgress(state);
      announce(slot, job.status, job.error);
      emit("done", { callbackId: callback.id, match: slot.match, handle: state.handle, status: job.status, cached: false });
      if (job.status === "succeeded") {
        applyValues(job.outputs, callback.id);
      } else if (job.status === "failed") {
        showError(slot, job.error);
      }
      finish(slot, state.token);
      return "ended";
    }
    state.position = typeof job.position === "number" ? job.position : null;
    return showQueue(slot, state.handle, job) || changed ? "changed" : "same";
  }

  // ---------------------------------------------------------------- the browser's one event stream

  // HTTP/1.1 allows about six connections per host: a stream per tab would leave a seventh tab no connection for its
  // POSTs. So one tab of the browser (the leader: the holder of a Web Lock per origin and prefix) keeps one
  // EventSource for the jobs of every tab, and shares what it receives over a BroadcastChannel. Each tab tells the
  // leader which handles it follows (with the versions it has), and applies only those.

  let hub = null; // { tab, channel, leading }: null when jobs are not followed by the stream
  const followed = new Map(); // this tab's jobs on the stream: handle -> { state, done(outcome) }
  let eventsBlockedUntil = 0; // after the stream failed: polls until then

  // The leader's side.
  const union = new Map(); // handle -> { after, tabs: Set of tab ids, rewind }
  const endedJobs = new Set();
  let source = null;
  let sourceKey = "";
  let sourceErrors = 0;
  let reopenTimer = 0;
  let leaderBlockedUntil = 0;
  let streamBackoff = 0;
  let streamHeartbeat = 15000; // the server's longest silence on a stream (the map's "heartbeat")
  let silenceTimer = 0;

  function startHub() {
    if ((options.transport !== "auto" && options.transport !== "events") || typeof EventSource !== "function") {
      return;
    }
    const shared = typeof BroadcastChannel === "function" && !!navigator.locks && typeof navigator.locks.request === "function";
    if (!shared && options.transport === "auto") {
      return; // a stream per tab could starve the other tabs of connections: long poll instead
    }
    const name = "bc.events|" + location.origin + options.prefix;
    hub = { tab: newId(), channel: shared ? new BroadcastChannel(name) : null, leading: !shared };
    if (!shared) {
      document.documentElement.setAttribute("data-bc-leader", "");
      return; // data-transport="events" without the means to share: this tab streams its own jobs
    }
    hub.channel.onmessage = (event) => receive(event.data || {});
    navigator.locks.request(name, () => {
      lead();
      return new Promise(() => { /* held until the tab closes; then another tab takes over */ });
    }).catch((e) => {
      console.warn("BackgroundCallbacks: no leader for the event stream (" + (e && e.message ? e.message : e) + "); following jobs by long poll.");
      const entries = Array.from(followed.values());
      hub = null;
      for (const entry of entries) {
        entry.done("fallback");
      }
      showTransport();
    });
    // A leader that stops answering (blocked by a dialog, frozen) would hold back the jobs it follows for this tab:
    // now and then this tab names them again, and polls them when no answer comes.
    setInterval(() => {
      if (hub && !hub.leading) {
        resend(true);
      }
    }, LEADER_CHECK_INTERVAL);
    addEventListener("pagehide", () => {
      if (hub) {
        toLeader({ type: "bye", tab: hub.tab });
      }
    });
    addEventListener("pageshow", (event) => {
      if (hub && event.persisted) {
        resend(false);
      }
    });
  }

  /** Follows the job by the stream until it ends ("ended"), or the stream fails ("fallback"), or the follow is dropped. */
  function followByEvents(state, signal) {
    return new Promise((resolve) => {
      const handle = state.handle;
      const entry = {
        state,
        ackTimer: 0,
        done(outcome) {
          if (followed.get(handle) === entry) {
            followed.delete(handle);
          }
          clearTimeout(entry.ackTimer);
          signal.removeEventListener("abort", onAbort);
          resolve(outcome);
        },
      };
      const onAbort = () => {
        entry.done("ended");
        if (hub) {
          toLeader({ type: "unfollow", tab: hub.tab, handles: [handle] });
        }
      };
      followed.set(handle, entry);
      signal.addEventListener("abort", onAbort, { once: true });
      toLeader({ type: "follow", tab: hub.tab, jobs: [{ handle, after: state.after }] });
      awaitAnswer(entry);
    });
  }

  /**
   * A leader answers a follow at once. One that does not is busy (a dialog, a long task) or frozen: this tab polls the
   * job for a while rather than wait for it.
   */
  function awaitAnswer(entry) {
    clearTimeout(entry.ackTimer);
    if (hub.leading) {
      return;
    }
    entry.ackTimer = setTimeout(() => {
      if (followed.get(entry.state.handle) === entry) {
        entry.state.eventsBlockedUntil = Date.now() + MAX_RETRY_DELAY;
        entry.done("fallback");
        toLeader({ type: "unfollow", tab: hub.tab, handles: [entry.state.handle] });
      }
    }, LEADER_ANSWER_TIMEOUT);
  }

  function toLeader(message) {
    if (hub.leading) {
      onLeaderMessage(message);
    } else {
      hub.channel.postMessage(message);
    }
  }

  /** From the leader to every tab, this one included (a BroadcastChannel does not deliver to its sender). */
  function deliver(message) {
    if (hub.channel) {
      hub.channel.postMessage(message);
    }
    receive(message);
  }

  function resend(check) {
    if (followed.size > 0) {
      toLeader({ type: "follow", tab: hub.tab, check: !!check, jobs: Array.from(followed.values(), (e) => ({ handle: e.state.handle, after: e.state.after })) });
      for (const entry of followed.values()) {
        awaitAnswer(entry);
      }
    }
  }

  /** What every tab does with a message of the channel. */
  function receive(message) {
    if (!hub) {
      return;
    }
    switch (message.type) {
      case "job": {
        const handle = message.job && message.job.handle;
        const entry = followed.get(handle);
        if (entry) {
          setOutage(entry.state, false);
        }
        if (entry && applyJob(entry.state, message.job) === "ended") {
          entry.done("ended");
          toLeader({ type: "unfollow", tab: hub.tab, handles: [handle] });
        }
        return;
      }
      case "job-error": {
        const entry = followed.get(message.handle);
        if (entry) {
          entry.done("ended");
          toLeader({ type: "unfollow", tab: hub.tab, handles: [message.handle] });
          lost(entry.state);
        }
        return;
      }
      case "fallback": {
        const pause = Math.min(MAX_RETRY_DELAY, Math.max(0, Number(message.retryIn) || 0));
        const until = Date.now() + pause;
        const entries = Array.isArray(message.handles)
          ? message.handles.map((h) => followed.get(h)).filter(Boolean)
          : Array.from(followed.values());
        if (!Array.isArray(message.handles)) {
          eventsBlockedUntil = until;
          setTimeout(showTransport, pause + 10);
        }
        for (const entry of entries) {
          entry.state.eventsBlockedUntil = until;
          entry.done("fallback");
        }
        showTransport();
        return;
      }
      case "open":
        // The leader's stream is up: the jobs it lists are followed again (after an outage, say).
        for (const handle of Array.isArray(message.handles) ? message.handles : []) {
          const entry = followed.get(handle);
          if (entry) {
            setOutage(entry.state, false);
          }
        }
        return;
      case "ack":
        if (message.tab === hub.tab) {
          for (const handle of Array.isArray(message.handles) ? message.handles : []) {
            const entry = followed.get(handle);
            if (entry) {
              clearTimeout(entry.ackTimer);
            }
          }
        }
        return;
      case "leader":
        if (message.tab !== hub.tab) {
          resend(false); // a new leader knows nothing yet: tell it what this tab follows
        }
        return;
      default:
        if (hub.leading) {
          onLeaderMessage(message);
        }
    }
  }

  /** This tab now holds the lock: it keeps the stream for every tab until it closes. */
  function lead() {
    hub.leading = true;
    document.documentElement.setAttribute("data-bc-leader", "");
    for (const entry of followed.values()) {
      clearTimeout(entry.ackTimer); // this tab answers itself now
    }
    onLeaderMessage({ type: "follow", tab: hub.tab, jobs: Array.from(followed.values(), (e) => ({ handle: e.state.handle, after: e.state.after })) });
    hub.channel.postMessage({ type: "leader", tab: hub.tab });
  }

  function onLeaderMessage(message) {
    const tab = message.tab;
    if (message.type === "follow") {
      for (const job of Array.isArray(message.jobs) ? message.jobs : []) {
        if (!job || typeof job.handle !== "string") {
          continue;
        }
        const after = Number(job.after) >= 0 ? Math.floor(Number(job.after)) : 0;
        let item = union.get(job.handle);
        if (!item) {
          item = { after, tabs: new Set(), rewind: false };
          union.set(job.handle, item);
        } else if (after < item.after && !message.check) {
          item.after = after; // a tab that has less (a reloaded one): the stream starts over for this job
          item.rewind = true;
          endedJobs.delete(job.handle);
        }
        item.tabs.add(tab);
      }
      if (tab !== hub.tab && hub.channel) {
        hub.channel.postMessage({ type: "ack", tab, handles: (message.jobs || []).map((j) => j && j.handle) });
      }
      if (Date.now() < leaderBlockedUntil - 250) {
        // The stream failed a moment ago: the tab that asked polls until the pause is over, as the others do.
        union.clear();
        endedJobs.clear();
        deliver({ type: "fallback", retryIn: leaderBlockedUntil - Date.now() });
        return;
      }
    } else if (message.type === "unfollow" || message.type === "bye") {
      const handles = message.type === "bye" ? Array.from(union.keys()) : Array.isArray(message.handles) ? message.handles : [];
      for (const handle of handles) {
        const item = union.get(handle);
        if (item) {
          item.tabs.delete(tab);
          if (item.tabs.size === 0) {
            union.delete(handle);
            endedJobs.delete(handle);
          }
        }
      }
    } else {
      return;
    }
    // Tabs start jobs in bursts (a "run all" button, a reload): one reopening for the burst.
    clearTimeout(reopenTimer);
    reopenTimer = setTimeout(reopen, 25);
  }

  /** Opens the stream for the jobs the tabs follow now (closing the previous one), unless it already lists them. */
  function reopen() {
    reopenTimer = 0;
    if (!hub || !hub.leading) {
      return;
    }
    const live = Array.from(union.keys()).filter((h) => !endedJobs.has(h));
    const listed = live.slice(0, MAX_STREAM_JOBS);
    if (live.length > listed.length) {
      // The server takes so many jobs a stream; the others are polled for a while.
      const rest = live.slice(listed.length);
      for (const handle of rest) {
        union.delete(handle);
      }
      deliver({ type: "fallback", retryIn: MAX_RETRY_DELAY, handles: rest });
    }
    const rewound = listed.some((h) => union.get(h).rewind);
    for (const handle of listed) {
      union.get(handle).rewind = false;
    }
    const key = listed.join(",");
    if (source && key === sourceKey && !rewound) {
      return;
    }
    closeSource();
    if (listed.length > 0) {
      openSource(listed);
    }
  }

  function closeSource() {
    clearTimeout(silenceTimer);
    if (source) {
      source.close();
      source = null;
      sourceKey = "";
    }
  }

  function openSource(listed) {
    const query = "?jobs=" + listed.map(encodeURIComponent).join(",") + "&after=" + listed.map((h) => union.get(h).after).join(",");
    const stream = new EventSource(url("/events" + query));
    source = stream;
    sourceKey = listed.join(",");
    sourceErrors = 0;
    const read = (event) => {
      if (source !== stream) {
        return null;
      }
      try {
        return JSON.parse(event.data);
      } catch (e) {
        return null;
      }
    };
    // A connection can die without a word (a dropped network, a NAT that forgot it): the browser then waits for ever.
    // The server never stays silent longer than its heartbeat, so a stream silent for twice that is given up.
    const heard = () => {
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => {
        if (source === stream) {
          console.warn("BackgroundCallbacks: the event stream has been silent for " + (2 * streamHeartbeat + 5000) / 1000 + " s; it is opened again.");
          streamFailed();
        }
      }, 2 * streamHeartbeat + 5000);
    };
    stream.onopen = () => {
      if (source === stream) {
        heard();
        deliver({ type: "open", handles: listed });
      }
    };
    stream.addEventListener("ping", () => {
      if (source === stream) {
        heard();
      }
    });
    stream.addEventListener("job", (event) => {
      const job = read(event);
      if (!job || typeof job.handle !== "string") {
        return;
      }
      heard();
      sourceErrors = 0;
      streamBackoff = 0;
      const item = union.get(job.handle);
      if (item && job.version > item.after) {
        item.after = job.version;
      }
      if (ENDED.has(job.status)) {
        endedJobs.add(job.handle);
      }
      deliver({ type: "job", job });
    });
    stream.addEventListener("job-error", (event) => {
      const problem = read(event);
      if (!problem || typeof problem.handle !== "string") {
        return;
      }
      heard();
      sourceErrors = 0;
      endedJobs.add(problem.handle);
      deliver({ type: "job-error", handle: problem.handle, status: problem.status });
    });
    stream.addEventListener("end", () => {
      if (source !== stream) {
        return;
      }
      closeSource(); // else the browser would reconnect, to be told "end" again
      for (const handle of listed) {
        endedJobs.add(handle);
      }
      reopen(); // jobs added since this stream opened
    });
    stream.onerror = () => {
      if (source !== stream) {
        return;
      }
      // CLOSED: the server refused the stream (404 or 405 from a server without it, another error, not a stream).
      // Otherwise the browser reconnects by itself, resuming with Last-Event-ID; twice without an event between is a
      // proxy or network that does not let the stream through.
      sourceErrors++;
      if (stream.readyState === EventSource.CLOSED || sourceErrors >= 2) {
        streamFailed();
      }
    };
  }

  /** Every tab follows its jobs by long poll for a while; then they ask for the stream again, and it is reopened. */
  function streamFailed() {
    streamBackoff = Math.min(MAX_RETRY_DELAY, streamBackoff > 0 ? streamBackoff * 2 : FIRST_STREAM_RETRY);
    console.warn("BackgroundCallbacks: the event stream failed; jobs are followed by long poll, and the stream is tried again in " + streamBackoff / 1000 + " s.");
    dropStream(streamBackoff);
  }

  /** Closes the stream and tells every tab to long poll its jobs for `pause` ms. */
  function dropStream(pause) {
    closeSource();
    leaderBlockedUntil = Date.now() + pause;
    union.clear();
    endedJobs.clear();
    deliver({ type: "fallback", retryIn: pause });
  }

  // ---------------------------------------------------------------- waiting in line

  function queueTargets(slot) {
    return Array.from(document.querySelectorAll("[data-bc-position-for],[data-bc-eta-for],[data-bc-queue-for]")).filter((element) => {
      const owner = element.getAttribute("data-bc-position-for") || element.getAttribute("data-bc-eta-for") || element.getAttribute("data-bc-queue-for");
      if (owner !== slot.callback.id) {
        return false;
      }
      const raw = element.getAttribute("data-bc-match");
      if (!raw) {
        return true; // any MATCH group of the callback: the latest news
      }
      try {
        return sameValue(JSON.parse(raw), slot.match || {});
      } catch (e) {
        return false;
      }
    });
  }

  function formatQueue(element, position, eta, fallback) {
    const format = element.getAttribute("data-bc-format");
    if (!format) {
      return fallback;
    }
    return format
      .replace(/\{position\}/g, position === null ? "" : String(position + 1))
      .replace(/\{ahead\}/g, position === null ? "" : String(position))
      .replace(/\{eta\}/g, eta === null ? "" : String(eta));
  }

  /**
   * Shows the job's place in its line: the elements bound to the callback get its position (1: next to run) and ETA,
   * and are hidden while it waits in no line. Returns whether anything changed.
   */
  function showQueue(slot, handle, job) {
    const waiting = job && !ENDED.has(job.status) && typeof job.position === "number" && job.position >= 0;
    const position = waiting ? job.position : null;
    const eta = waiting && typeof job.etaSeconds === "number" && job.etaSeconds >= 0 ? Math.ceil(job.etaSeconds) : null;
    const key = position === null ? "" : position + "|" + eta;
    if ((slot.queueKey || "") === key) {
      return false;
    }
    slot.queueKey = key;
    for (const element of queueTargets(slot)) {
      if (element.hasAttribute("data-bc-position-for")) {
        element.textContent = position === null ? "" : formatQueue(element, position, eta, String(position + 1));
        element.hidden = position === null;
      } else if (element.hasAttribute("data-bc-eta-for")) {
        element.textContent = eta === null ? "" : formatQueue(element, position, eta, String(eta));
        element.hidden = eta === null;
      } else {
        element.hidden = position === null;
      }
    }
    emit("queue", { callbackId: slot.callback.id, match: slot.match, handle, position, etaSeconds: eta });
    return true;
  }

  /** Ends the page's side of an invocation: the running values' whenDone, the progress defaults, busy and focus. */
  function finish(slot, token) {
    if (token !== slot.token) {
      return;
    }
    forget(slot);
    slot.handle = null;
    slot.poll = null;
    showQueue(slot, null, null);
    applyRunning(slot.callback, slot.match, "whenDone");
    releaseRunningValues(slot);
    applyProgressDefaults(slot.callback, slot.match);
    setBusy(slot, false);
    restoreFocus(slot);
  }

  function cancel(callback, match) {
    const slot = slots.get(slotKey(callback, match));
    if (!slot) {
      return;
    }
    if (slot.handle) {
      requestCancel(slot);
    } else if (slot.posting) {
      // The job is being created: drop any invocation waiting behind it and cancel it once its handle is known.
      slot.queued = null;
      slot.token = slot.sending;
      slot.cancelWanted = true;
    }
  }

  function requestCancel(slot, handle = slot.handle) {
    slot.cancelledToken = slot.token;
    emit("cancel", { callbackId: slot.callback.id, match: slot.match, handle });
    fetch(jobUrl(handle), { method: "DELETE", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(async (response) => {
        if (!response.ok && response.status !== 404) {
          console.warn("BackgroundCallbacks: cancelling the job answered " + (await problemText(response)));
        } else {
          await response.text(); // the job's state; the poll that follows the job applies it
        }
      })
      .catch(() => { /* the poll that follows the job reports a lost connection */ });
  }

  async function reattach() {
    const attached = new Set();
    for (const { key, record } of rememberedJobs()) {
      const callback = record && callbacks.find((c) => c.id === record.callbackId);
      if (!callback || typeof record.handle !== "string") {
        try {
          sessionStorage.removeItem(key);
        } catch (e) {
          // ignore
        }
        continue;
      }
      const match = isObject(record.match) ? record.match : null;
      const slot = slotFor(callback, match);
      attached.add(slot.key);
      slot.token++;
      startRunning(slot, []);
      emit("reattach", { callbackId: callback.id, match, handle: record.handle });
      follow(slot, slot.token, record.handle, 0, callback.interval, true);
    }
    return attached;
  }

  // ---------------------------------------------------------------- file inputs

  const FILES = "files";

  /** The slots of the callbacks that take this element's files: an upload's error shows where theirs would. */
  function fileSlots(element) {
    const id = componentId(element);
    const found = [];
    for (const callback of callbacks) {
      for (const d of callback.inputs.concat(callback.state)) {
        if (d.file && d.property === FILES && idMatches(d.id, id)) {
          found.push(slotFor(callback, d.kind === "match" ? matchValuesOf(d.id, id) : null));
        }
      }
    }
    return found;
  }

  /** Web Crypto exists only in secure contexts (https, localhost): elsewhere the file is sent without asking first. */
  async function sha256(file) {
    if (!(window.crypto && crypto.subtle)) {
      return null;
    }
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function showUploadProgress(element, loaded, total) {
    const target = element.getAttribute("data-bc-upload-progress");
    const bar = target ? document.getElementById(target) : null;
    if (bar) {
      // An empty file is done at once: a <progress> cannot have a max of 0.
      writeProp(bar, "max", total > 0 ? total : 1);
      writeProp(bar, "value", total > 0 ? Math.min(loaded, total) : 1);
    }
  }

  /** XMLHttpRequest rather than fetch: only it reports how much of a request body has been sent. */
  function postFile(file, hash, state, onProgress) {
    return new Promise((resolve) => {
      const query = new URLSearchParams({ name: file.name || "file" });
      if (file.lastModified) {
        query.set("lastModified", String(file.lastModified));
      }
      if (hash) {
        query.set("sha256", hash);
      }
      const xhr = new XMLHttpRequest();
      state.xhr = xhr;
      xhr.open("POST", url("/uploads?" + query));
      xhr.withCredentials = true;
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, retryAfter: Number(xhr.getResponseHeader("Retry-After")) });
      xhr.onerror = () => resolve({ status: 0, text: "" });
      xhr.onabort = () => resolve({ status: 0, text: "", aborted: true });
      xhr.send(file);
    });
  }

  /** Stores one file on the server, unless it already has it: the same file chosen twice crosses the wire once. */
  async function uploadFile(file, state, onProgress) {
    const hash = await sha256(file);
    if (state.abort.signal.aborted) {
      return null;
    }
    if (hash) {
      try {
        const known = await fetch(url("/uploads/" + hash), { credentials: "same-origin", headers: { Accept: "application/json" }, signal: state.abort.signal });
        if (known.status === 200) {
          return await known.json();
        }
        await known.text(); // a 404 is the usual answer; anything else, the POST below reports
      } catch (e) {
        if (state.abort.signal.aborted) {
          return null;
        }
      }
    }
    for (let attempt = 0; ; attempt++) {
      const answer = await postFile(file, hash, state, onProgress);
      if (answer.aborted || state.abort.signal.aborted) {
        return null;
      }
      if (answer.status === 200 || answer.status === 201) {
        return JSON.parse(answer.text);
      }
      // 429: this caller has other uploads in flight (another tab, say); they end, so wait as told and try again.
      if (answer.status === 429 && attempt < options.retries) {
        await delay(Math.min(MAX_RETRY_DELAY, answer.retryAfter > 0 ? answer.retryAfter * 1000 : 1000 * 2 ** attempt), state.abort.signal);
        continue;
      }
      const reason = answer.status === 0 ? "the server could not be reached" : problemTextOf(answer.status, answer.text);
      throw new Error("Could not upload " + (file.name || "the file") + ": " + reason);
    }
  }

  /** Descriptors for the page to show; the reference stays in data-bc-ref-files, so a page never renders it by accident. */
  function publicDescriptor(d) {
    return { name: d.name, contentType: d.contentType, length: d.length, lastModified: d.lastModified, sha256: d.sha256 };
  }

  function setFiles(element, descriptors, before) {
    writeFiles(element, FILES, descriptors.map((d) => d.reference));
    if (descriptors.length > 0) {
      element.setAttribute("data-bc-files", JSON.stringify(descriptors.map(publicDescriptor)));
    }
    // Choosing files is an input change even when they are the same as before, as typing the same text is.
    if (descriptors.length > 0 || before !== null) {
      propertyChanged(element, FILES);
    }
  }

  /** Files were chosen or dropped: hash, upload what the server lacks, then the property changes to the references. */
  async function chooseFiles(element, files) {
    const previous = uploads.get(element);
    if (previous) {
      previous.abort.abort(); // a newer choice replaces the one still uploading
      if (previous.xhr) {
        previous.xhr.abort();
      }
    }
    const state = { abort: new AbortController(), xhr: null };
    uploads.set(element, state);
    const id = componentId(element);
    const chosen = takesManyFiles(element) ? files : files.slice(0, 1);
    const before = readFiles(element, FILES);
    for (const slot of fileSlots(element)) {
      clearError(slot);
    }
    if (chosen.length === 0) {
      uploads.delete(element);
      element.removeAttribute("aria-busy");
      setFiles(element, [], before);
      return;
    }
    const total = chosen.reduce((sum, f) => sum + f.size, 0);
    const report = (loaded) => {
      showUploadProgress(element, loaded, total);
      emit("uploadprogress", { id, property: FILES, loaded, total });
    };
    element.setAttribute("aria-busy", "true");
    emit("upload", { id, property: FILES, files: chosen.map((f) => ({ name: f.name, length: f.size })), loaded: 0, total });
    report(0);
    const descriptors = [];
    let done = 0;
    try {
      for (const file of chosen) {
        const descriptor = await uploadFile(file, state, (loaded) => report(done + Math.min(loaded, file.size)));
        if (!descriptor || state !== uploads.get(element)) {
          return;
        }
        descriptors.push(descriptor);
        done += file.size;
        report(done);
      }
    } catch (e) {
      if (state !== uploads.get(element)) {
        return;
      }
      uploads.delete(element);
      element.removeAttribute("aria-busy");
      showUploadProgress(element, 0, total); // nothing was kept
      setFiles(element, [], before);
      const message = e && e.message ? e.message : String(e);
      const slots = fileSlots(element);
      // After the invocations the emptied property makes: their start clears their error places.
      setTimeout(() => {
        if (slots.length === 0) {
          showBanner("upload|" + canonical(id), message);
        }
        for (const slot of slots) {
          showError(slot, message);
        }
      });
      return;
    }
    uploads.delete(element);
    element.removeAttribute("aria-busy");
    emit("uploaded", { id, property: FILES, files: descriptors.map(publicDescriptor), references: descriptors.map((d) => d.reference), loaded: total, total });
    setFiles(element, descriptors, before);
  }

  function dropZone(event) {
    for (let element = event.target; element && element !== document; element = element.parentElement) {
      if (element.nodeType === 1 && element.hasAttribute("data-bc-drop")) {
        return isFileBinding(element, FILES) ? element : null;
      }
    }
    return null;
  }

  function onDrag(event) {
    const zone = dropZone(event);
    if (!zone || !event.dataTransfer || !Array.from(event.dataTransfer.types || []).includes("Files")) {
      return;
    }
    if (event.type === "dragleave") {
      if (!zone.contains(event.relatedTarget)) {
        zone.removeAttribute("data-bc-dragover");
      }
      return;
    }
    event.preventDefault(); // otherwise the browser opens the dropped file in place of the page
    if (event.type === "drop") {
      zone.removeAttribute("data-bc-dragover");
      chooseFiles(zone, Array.from(event.dataTransfer.files));
    } else {
      event.dataTransfer.dropEffect = "copy";
      zone.setAttribute("data-bc-dragover", "");
    }
  }

  // ---------------------------------------------------------------- what changes trigger

  /** A property of an element changed: invoke the callbacks that take it as input, cancel those that cancel on it. */
  function propertyChanged(element, property, source) {
    const id = componentId(element);
    if (id === null) {
      return;
    }
    for (const callback of callbacks) {
      if (callback.id !== source) {
        for (const input of callback.inputs) {
          if (input.property === property && idMatches(input.id, id)) {
            const name = triggeredName(input, element);
            if (input.kind === "match") {
              schedule(callback, matchValuesOf(input.id, id), name);
            } else if (callback.hasMatch) {
              for (const group of matchGroups(callback)) {
                schedule(callback, group, name);
              }
            } else {
              schedule(callback, null, name);
            }
          }
        }
      }
      for (const dependency of callback.cancel) {
        if (dependency.property === property && idMatches(dependency.id, id)) {
          if (dependency.kind === "match") {
            cancel(callback, matchValuesOf(dependency.id, id));
          } else {
            for (const slot of slots.values()) {
              if (slot.callback === callback) {
                cancel(callback, slot.match);
              }
            }
          }
        }
      }
    }
  }

  /** Changes made in one turn (several outputs, say) make one invocation per callback and group. */
  function schedule(callback, match, triggered) {
    const key = slotKey(callback, match);
    let entry = pending.get(key);
    if (!entry) {
      entry = { callback, match, triggered: [] };
      pending.set(key, entry);
      if (pending.size === 1) {
        queueMicrotask(flush);
      }
    }
    if (triggered !== null) {
      entry.triggered.push(triggered);
    }
  }

  function flush() {
    const entries = Array.from(pending.values());
    pending.clear();
    for (const entry of entries) {
      if (!entry.match && !isPresent(entry.callback)) {
        warnIfIncomplete(entry.callback); // once per callback, however often it would fire
        continue;
      }
      invoke(entry.callback, entry.match, entry.triggered);
    }
  }

  function isDeclared(element, property) {
    const id = componentId(element);
    if (id === null) {
      return false;
    }
    return callbacks.some((c) =>
      c.inputs.some((d) => d.property === property && idMatches(d.id, id)) ||
      c.cancel.some((d) => d.property === property && idMatches(d.id, id)) ||
      c.state.some((d) => d.property === property && idMatches(d.id, id)));
  }

  function onClick(event) {
    for (let element = event.target; element && element !== document; element = element.parentElement) {
      if (element.nodeType === 1 && isDeclared(element, "n_clicks")) {
        writeProp(element, "n_clicks", (readProp(element, "n_clicks") || 0) + 1);
        propertyChanged(element, "n_clicks");
        return;
      }
    }
  }

  function onInput(event) {
    const element = event.target;
    if (!(element instanceof Element)) {
      return;
    }
    if (element.tagName === "INPUT" && element.type === "file" && isFileBinding(element, "files")) {
      if (event.type === "change") {
        chooseFiles(element, Array.from(element.files || []));
      }
      return; // the property changes once the files are uploaded, not when they are chosen
    }
    const debounce = element.getAttribute("data-bc-debounce");
    if ((debounce === "change") !== (event.type === "change")) {
      return; // data-bc-debounce="change" waits for change (blur, Enter); otherwise every input event counts
    }
    const property = element.type === "checkbox" || element.type === "radio" ? "checked" : "value";
    const ms = Number(debounce);
    if (ms > 0) {
      clearTimeout(debounceTimers.get(element));
      debounceTimers.set(element, setTimeout(() => propertyChanged(element, property), ms));
      return;
    }
    propertyChanged(element, property);
  }

  function elementsIn(nodes) {
    const found = [];
    for (const node of nodes) {
      if (node.nodeType !== 1) {
        continue;
      }
      found.push(node);
      for (const child of node.querySelectorAll("[id],[data-bc-id],[data-bc-props]")) {
        found.push(child);
      }
    }
    return found;
  }

  /** Components added after load: their initial props are applied and their callbacks get an initial call. */
  function onMutations(records) {
    const added = [];
    const removed = [];
    for (const record of records) {
      added.push(...elementsIn(record.addedNodes));
      removed.push(...elementsIn(record.removedNodes));
    }
    if (added.length === 0 && removed.length === 0) {
      return;
    }
    for (const element of added) {
      applyInitialProps(element);
    }
    for (const callback of callbacks) {
      if (callback.preventInitialCall) {
        continue;
      }
      for (const input of callback.inputs) {
        for (const element of added) {
          const id = componentId(element);
          if (idMatches(input.id, id)) {
            if (input.kind === "match") {
              schedule(callback, matchValuesOf(input.id, id), null);
            } else if (!callback.hasMatch) {
              schedule(callback, null, null);
            }
          }
        }
        if (input.kind === "all" && !callback.hasMatch && removed.some((e) => idMatches(input.id, componentId(e)))) {
          schedule(callback, null, null);
        }
      }
    }
  }

  // ---------------------------------------------------------------- start

  function readOptions(given) {
    const src = script && script.src ? new URL(script.src, location.href) : null;
    const data = (script && script.dataset) || {};
    const fromScript = src ? src.pathname.replace(/\/client(?:-[^/]*)?\.js$/, "") : "/_callbacks";
    const o = Object.assign({
      prefix: data.prefix || fromScript,
      transport: data.transport || (data.longPoll === "false" ? "poll" : "auto"),
      wait: Number(data.wait) > 0 ? Number(data.wait) : 20000,
      retries: 3,
      announce: data.announce !== "false",
      reconnectingNote: data.reconnectingNote !== "false",
      reconnectingText: data.reconnectingText || "Reconnecting\u2026",
    }, given || {});
    if (given && given.longPoll === false && !given.transport) {
      o.transport = "poll"; // the option of earlier versions
    }
    if (!TRANSPORTS.includes(o.transport)) {
      console.warn("BackgroundCallbacks: unknown transport '" + o.transport + "'; using \"auto\".");
      o.transport = "auto";
    }
    o.prefix = String(o.prefix).replace(/\/+$/, "");
    return o;
  }

  function domReady() {
    return document.readyState === "loading"
      ? new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }))
      : Promise.resolve();
  }

  /**
   * Loads the callback map and wires the page. Called by itself unless the script tag says data-auto-start="false".
   */
  function start(given) {
    if (started) {
      return started;
    }
    options = readOptions(given);
    started = (async () => {
      const claimed = claimPage();
      startHub();
      showTransport();
      const response = await fetch(url("/dependencies"), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error("GET " + url("/dependencies") + " answered " + response.status);
      }
      const map = await response.json();
      if (map.protocol !== 1) {
        console.warn("BackgroundCallbacks: the server speaks protocol " + map.protocol + "; this client knows protocol 1.");
      }
      callbacks = (map.callbacks || []).map(normalize);
      if (map.heartbeat > 0) {
        streamHeartbeat = map.heartbeat;
      }
      await Promise.all([domReady(), claimed]);
      createLiveRegion();
      addEventListener("online", onOnline);
      addEventListener("offline", onOffline);
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
          wakeRetries();
        }
      });
      for (const element of document.querySelectorAll("[data-bc-props]")) {
        applyInitialProps(element);
      }
      watchLocation();
      document.addEventListener("click", onClick, true);
      document.addEventListener("input", onInput, true);
      document.addEventListener("change", onInput, true);
      for (const type of ["dragenter", "dragover", "dragleave", "drop"]) {
        document.addEventListener(type, onDrag);
      }
      new MutationObserver(onMutations).observe(document.documentElement, { childList: true, subtree: true });
      const attached = await reattach();
      for (const callback of callbacks) {
        warnIfIncomplete(callback);
        if (callback.preventInitialCall || !isPresent(callback)) {
          continue;
        }
        const groups = callback.hasMatch ? matchGroups(callback) : [null];
        for (const group of groups) {
          if (!attached.has(slotKey(callback, group))) {
            invoke(callback, group, []);
          }
        }
      }
      resolveReady();
    })();
    started.catch((e) => {
      console.error("BackgroundCallbacks: could not start:", e);
      showBanner("start", "Background callbacks could not start: " + (e && e.message ? e.message : e));
      rejectReady(e);
    });
    return started;
  }

  function normalizeRenderer(renderer) {
    if (typeof renderer === "function") {
      return { render: renderer };
    }
    if (renderer && typeof renderer.render === "function") {
      return renderer;
    }
    throw new TypeError("A renderer is a function (element, value) or an object with render(element, value) and optionally read(element).");
  }

  const api = {
    ready,
    start,
    /** Registers how a custom property is drawn, e.g. registerRenderer("figure", (element, figure) => ...). */
    registerRenderer(property, renderer) {
      if (typeof property !== "string" || property === "") {
        throw new TypeError("The property name must be a non-empty string.");
      }
      renderers.set(property, normalizeRenderer(renderer));
      for (const element of document.querySelectorAll("[data-bc-props]")) {
        applyInitialProps(element, property);
      }
      return () => renderers.delete(property);
    },
    /** Sets props from page code, as a callback output would; callbacks that take them as input run. */
    setProps(id, props) {
      applyProps(typeof id === "string" ? id : Object.assign({}, id), props || {}, null);
    },
    /** Reads a component property as the client sends it. */
    getProp(id, property) {
      const element = findElements(id)[0];
      return element ? nullable(readProp(element, property)) : undefined;
    },
    get callbacks() {
      return callbacks.map((c) => c.id);
    },
    /** How jobs are followed now: "events", "longpoll" or "poll" (null before start). */
    get transport() {
      return options ? transportFor(null) : null;
    },
  };
  window.BackgroundCallbacks = api;

  if (!script || script.dataset.autoStart !== "false") {
    start();
  }
})();
