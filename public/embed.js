/* <digitrain-trainer>: digitrain in a course page, in one line.
 *
 *   <script src="https://example.edu/courses/ml/digitrain/embed.js"></script>
 *   <digitrain-trainer preset="tp" epochs="2" panels="draw"></digitrain-trainer>
 *
 * A plain script (no module, no CORS needed), so it works from any origin. Each element
 * becomes an <iframe> of the app next to this script, with its attributes as the app's URL
 * parameters:
 *   - preset and every training field, e.g. batch_size="32" learning_rate="0.01" seed="7"
 *     (the app checks them and names any it refuses);
 *   - panels="draw" | "train,plot" | "settings,train,plot,draw" | "inspector" …, compact,
 *     autotrain="0|1";
 *   - theme="light|dark"; without it the frame follows the host page (its CSS color-scheme,
 *     else the system's preference), also when that changes (a class, data-theme or style
 *     switched on <html> or <body>, or the system's setting);
 *   - src="…/digitrain/" for an app elsewhere than this script; height="600" for a fixed
 *     height (otherwise the frame grows and shrinks with its content); title, loading.
 * The frame asks for allow="cross-origin-isolated": threads where the host page is itself
 * isolated, the single-thread build (which says so) everywhere else.
 */
(function () {
  'use strict';
  if (!window.customElements || window.customElements.get('digitrain-trainer')) return;
  var script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  var APP = script && script.src ? new URL('./', script.src).href : null;
  var NOT_PARAMS = [
    'src',
    'height',
    'title',
    'loading',
    'class',
    'id',
    'style',
    'hidden',
    'allow',
    'slot',
    'lang',
    'dir',
    'tabindex',
    'part',
    'is',
  ];
  var systemDark = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  /** @type {DigitrainTrainer[]} */
  var elements = [];

  /** @param {HTMLElement} el */
  function hostTheme(el) {
    var scheme = '';
    try {
      scheme = getComputedStyle(el).colorScheme || getComputedStyle(document.documentElement).colorScheme || '';
    } catch (e) {
      /* old browser */
    }
    var words = String(scheme).split(/\s+/);
    if (words.indexOf('dark') >= 0 && words.indexOf('light') < 0) return 'dark';
    if (words.indexOf('light') >= 0 && words.indexOf('dark') < 0) return 'light';
    return systemDark && systemDark.matches ? 'dark' : 'light';
  }

  class DigitrainTrainer extends HTMLElement {
    static get observedAttributes() {
      return ['theme', 'height', 'src', 'panels', 'compact', 'preset'];
    }

    /** The app's address with this element's attributes as URL parameters. */
    appUrl() {
      var src = this.getAttribute('src') || APP;
      if (!src) return null;
      var url = new URL(src, location.href);
      var params = new URLSearchParams();
      for (var i = 0; i < this.attributes.length; i++) {
        var a = this.attributes[i];
        var name = a.name.toLowerCase();
        if (NOT_PARAMS.indexOf(name) >= 0 || /^(data-|aria-|on)/.test(name)) continue;
        params.set(name, a.value === '' ? '1' : a.value);
      }
      params.set('embed', '1');
      url.search = params.toString();
      return url.href;
    }

    connectedCallback() {
      if (getComputedStyle(this).display === 'inline') this.style.display = 'block';
      if (!this.frame) this.render();
      if (elements.indexOf(this) < 0) elements.push(this);
    }

    disconnectedCallback() {
      var i = elements.indexOf(this);
      if (i >= 0) elements.splice(i, 1);
    }

    render() {
      var href = this.appUrl();
      if (!href) {
        this.textContent =
          'digitrain-trainer: add src="…/digitrain/" (the folder of the app), or load embed.js from that folder.';
        return;
      }
      var frame = document.createElement('iframe');
      frame.src = href;
      frame.title = this.getAttribute('title') || 'digitrain: train a neural network on handwritten digits';
      frame.setAttribute(
        'allow',
        'cross-origin-isolated; clipboard-write' +
          (this.getAttribute('allow') ? '; ' + this.getAttribute('allow') : ''),
      );
      var loading = this.getAttribute('loading');
      if (loading) frame.setAttribute('loading', loading);
      frame.style.display = 'block';
      frame.style.width = '100%';
      frame.style.border = '0';
      frame.style.height = (Number(this.getAttribute('height')) || 480) + 'px';
      frame.addEventListener('load', () => {
        this.post({ type: 'digitrain:hello' });
        this.sendTheme();
      });
      this.frame = frame;
      this.replaceChildren(frame);
    }

    /** @param {object} message */
    post(message) {
      if (this.frame && this.frame.contentWindow) this.frame.contentWindow.postMessage(message, '*');
    }

    /** Without a theme attribute, the frame follows the host page. */
    sendTheme() {
      var fixed = this.getAttribute('theme');
      this.post({ type: 'digitrain:theme', theme: fixed === 'dark' || fixed === 'light' ? fixed : hostTheme(this) });
    }

    /** @param {string} name @param {string | null} before @param {string | null} after */
    attributeChangedCallback(name, before, after) {
      if (!this.frame || before === after) return;
      if (name === 'theme') this.sendTheme();
      else if (name === 'height') this.frame.style.height = (Number(after) || 480) + 'px';
      else {
        var url = this.appUrl();
        if (url) this.frame.src = url;
      }
    }
  }

  // The app posts its content height; a frame without a fixed height follows it.
  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || typeof data !== 'object' || data.type !== 'digitrain:height') return;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (el.frame && event.source === el.frame.contentWindow && !el.getAttribute('height')) {
        var h = Math.max(160, Math.min(20000, Math.round(Number(data.height) || 0)));
        el.frame.style.height = h + 'px';
        el.dispatchEvent(new CustomEvent('digitrain-resize', { detail: { height: h } }));
      }
    }
  });
  // The host's theme changes with the system's preference, or with the page's own switch
  // (usually a class, data attribute or style on <html> or <body>): tell every frame.
  function themeChanged() {
    elements.forEach(function (el) {
      el.sendTheme();
    });
  }
  if (systemDark && systemDark.addEventListener) systemDark.addEventListener('change', themeChanged);
  var watch = new MutationObserver(themeChanged);
  var watchOptions = { attributes: true, attributeFilter: ['class', 'style', 'data-theme', 'data-color-scheme'] };
  watch.observe(document.documentElement, watchOptions);
  if (document.body) watch.observe(document.body, watchOptions);
  else
    document.addEventListener('DOMContentLoaded', function () {
      watch.observe(document.body, watchOptions);
    });

  window.customElements.define('digitrain-trainer', DigitrainTrainer);
})();
