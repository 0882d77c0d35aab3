// Read-aloud: the browser's speech synthesis reads the page's main content (or a text a mini-app
// hands over through the bridge's readAloud) in the page's language, one sentence at a time; the
// sentence being read is highlighted, and the bar under it pauses, resumes and stops. Where the
// device has no voice for the language it says so plainly and reads nothing.
//
// window.MachiReadAloud = { readPage(), readText(text, lang, onProgress),
// readSentences(sentences, lang, onProgress), stop() }: all but stop resolve once reading has begun
// and reject with {code: "no_voice"} when it cannot. onProgress({index, state}) hears which
// sentence is being read (state "reading"; "paused" while paused) and how it ended (index -1,
// state "done", "stopped" or "failed"): the bridge passes it to a mini-app, which highlights the
// sentence in its own page.
(function () {
  "use strict";

  var synth = window.speechSynthesis;
  var messages = {};
  try {
    var holder = document.getElementById("machi-js-messages");
    messages = holder ? JSON.parse(holder.textContent || "{}") : {};
  } catch (e) { messages = {}; }
  function gettext(text) { return messages[text] || text; }

  var SKIP = "script, style, rt, rp, noscript, template, [hidden], [aria-hidden='true'], .read-aloud, .visually-hidden, button, select, textarea";
  var SENTENCE = /[^。．.!?！？\n]+[。．.!?！？]*|[。．.!?！？]+/g;
  var HIGHLIGHT = "machi-reading";

  var bar = document.getElementById("read-aloud-bar");
  var run = null; // the reading in progress: {sentences, index, paused, resolve, reject}

  function el(selector) { return bar ? bar.querySelector(selector) : null; }

  function setStatus(text) {
    var status = el("[data-read-aloud-status]");
    if (status) { status.textContent = text; }
  }

  function showCurrent(text, lang) {
    var current = el("[data-read-aloud-current]");
    if (!current) { return; }
    current.textContent = "";
    if (text) {
      var mark = document.createElement("mark");
      mark.textContent = text;
      if (lang) { mark.lang = lang; }
      current.appendChild(mark);
    }
  }

  function highlight(range) {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") { return; }
    if (range) { CSS.highlights.set(HIGHLIGHT, new Highlight(range)); } else { CSS.highlights.delete(HIGHLIGHT); }
  }

  // The language to ask the synthesiser for: the server's speech tag for the page, or the tag.
  function speechLang(lang) {
    var root = document.documentElement;
    if (!lang || lang === root.lang) { return root.dataset.speechLang || root.lang || "ja-JP"; }
    if (/^ja(-|$)/i.test(lang)) { return "ja-JP"; }
    if (/^zh-hant/i.test(lang)) { return "zh-TW"; }
    if (/^zh/i.test(lang)) { return "zh-CN"; }
    return lang;
  }

  function findVoice(voices, lang) {
    var want = lang.toLowerCase().replace("_", "-");
    var base = want.split("-")[0];
    var bases = base === "fil" ? ["fil", "tl"] : [base];
    function norm(v) { return (v.lang || "").toLowerCase().replace("_", "-"); }
    return voices.find(function (v) { return norm(v) === want; }) ||
      voices.find(function (v) { return bases.indexOf(norm(v).split("-")[0]) >= 0; }) || null;
  }

  function voices() {
    return new Promise(function (resolve) {
      var found = synth.getVoices();
      if (found.length) { resolve(found); return; }
      var done = false;
      function finish() { if (!done) { done = true; resolve(synth.getVoices()); } }
      synth.addEventListener("voiceschanged", finish, { once: true });
      setTimeout(finish, 1500);
    });
  }

  // Text nodes of `root` worth reading, joined, with where each sentence starts and ends.
  function sentencesOf(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentElement;
        if (!parent || parent.closest(SKIP)) { return NodeFilter.FILTER_REJECT; }
        return node.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      }
    });
    var pieces = [];
    var text = "";
    var node;
    while ((node = walker.nextNode())) {
      var block = node.parentElement.closest("p, li, h1, h2, h3, h4, dt, dd, td, th, label, legend, summary, div");
      if (pieces.length && pieces[pieces.length - 1].block !== block) { text += "\n"; }
      pieces.push({ node: node, start: text.length, block: block });
      text += node.nodeValue;
    }
    function at(offset) {
      for (var i = pieces.length - 1; i >= 0; i -= 1) {
        if (pieces[i].start <= offset) {
          return { node: pieces[i].node, offset: Math.min(offset - pieces[i].start, pieces[i].node.nodeValue.length) };
        }
      }
      return null;
    }
    var sentences = [];
    var match;
    SENTENCE.lastIndex = 0;
    while ((match = SENTENCE.exec(text))) {
      var said = match[0].trim();
      if (!said) { continue; }
      var lead = match[0].indexOf(said);
      var start = at(match.index + lead);
      var end = at(match.index + lead + said.length);
      var range = null;
      if (start && end) {
        range = document.createRange();
        range.setStart(start.node, start.offset);
        range.setEnd(end.node, end.offset);
      }
      var owner = start ? start.node.parentElement.closest("[lang]") : null;
      sentences.push({ text: said, range: range, lang: owner ? owner.getAttribute("lang") : "" });
    }
    return sentences;
  }

  function sentencesOfText(text, lang) {
    var sentences = [];
    (text.match(SENTENCE) || []).forEach(function (part) {
      if (part.trim()) { sentences.push({ text: part.trim(), range: null, lang: lang }); }
    });
    return sentences;
  }

  function openBar() {
    if (!bar) { return; }
    bar.hidden = false;
    var pause = el("[data-read-aloud-pause]");
    if (pause) { pause.hidden = false; pause.textContent = gettext("一時停止"); pause.setAttribute("aria-pressed", "false"); }
  }

  function tell(reading, index, state) {
    if (reading && reading.onProgress) {
      try { reading.onProgress({ index: index, state: state }); } catch (e) { /* the app's side */ }
    }
  }

  function finish(message, state) {
    var current = run;
    run = null;
    tell(current, -1, state || "done");
    highlight(null);
    showCurrent("", "");
    var pause = el("[data-read-aloud-pause]");
    if (pause) { pause.hidden = true; }
    setStatus(message || "");
    if (bar && !message) { bar.hidden = true; }
    return current;
  }

  function speakNext() {
    if (!run) { return; }
    if (run.index >= run.sentences.length) { finish(gettext("読み上げを終えました。"), "done"); return; }
    var sentence = run.sentences[run.index];
    var utterance = new SpeechSynthesisUtterance(sentence.text);
    utterance.lang = speechLang(sentence.lang);
    utterance.voice = findVoice(run.voices, utterance.lang) || run.voice;
    var mine = run;
    var index = run.index;
    utterance.onstart = function () {
      if (run !== mine) { return; }
      tell(mine, index, "reading");
      highlight(sentence.range);
      showCurrent(sentence.text, sentence.lang);
      if (sentence.range && sentence.range.startContainer.parentElement) {
        sentence.range.startContainer.parentElement.scrollIntoView({ block: "nearest" });
      }
    };
    utterance.onend = function () {
      if (run !== mine) { return; }
      run.index += 1;
      speakNext();
    };
    utterance.onerror = function (event) {
      if (run !== mine || event.error === "interrupted" || event.error === "canceled") { return; }
      finish(gettext("読み上げを続けられませんでした。"), "failed");
    };
    synth.speak(utterance);
  }

  async function start(sentences, lang, onProgress) {
    stop();
    openBar();
    if (!synth || typeof SpeechSynthesisUtterance === "undefined") {
      finish(gettext("この端末では読み上げが使えません。"));
      throw { code: "no_voice", message: "speech synthesis" };
    }
    if (!sentences.length) {
      finish(gettext("読み上げるものがありません。"));
      return;
    }
    var available = await voices();
    var wanted = speechLang(lang);
    var voice = findVoice(available, wanted);
    if (!voice) {
      finish(gettext("この端末には、この言語で読み上げる声がありません。"));
      throw { code: "no_voice", message: wanted };
    }
    setStatus(gettext("読み上げています。"));
    run = { sentences: sentences, index: 0, voice: voice, voices: available, onProgress: onProgress };
    speakNext();
    return { sentences: sentences.length };
  }

  // Stops a reading and closes the bar; also closes a bar left open with a closing message
  // ("finished", "no voice"), whose stop button is then the way to dismiss it.
  function stop() {
    var current = run;
    run = null;
    if (current) {
      tell(current, -1, "stopped");
      if (synth) { synth.cancel(); }
    }
    highlight(null);
    showCurrent("", "");
    setStatus("");
    if (bar) { bar.hidden = true; }
    return current;
  }

  function togglePause() {
    if (!run || !synth) { return; }
    var pause = el("[data-read-aloud-pause]");
    if (run.paused) {
      run.paused = false;
      synth.resume();
      tell(run, run.index, "reading");
      setStatus(gettext("読み上げています。"));
      if (pause) { pause.textContent = gettext("一時停止"); pause.setAttribute("aria-pressed", "false"); }
    } else {
      run.paused = true;
      synth.pause();
      tell(run, run.index, "paused");
      setStatus(gettext("一時停止しています。"));
      if (pause) { pause.textContent = gettext("再開"); pause.setAttribute("aria-pressed", "true"); }
    }
  }

  function readPage() {
    var main = document.querySelector("[data-read-aloud-target]") || document.getElementById("main");
    if (!main) { return Promise.resolve(); }
    return start(sentencesOf(main), main.closest("[lang]") ? main.closest("[lang]").getAttribute("lang") : "")
      .catch(function () { /* the bar says why */ });
  }

  function readText(text, lang, onProgress) {
    return start(sentencesOfText(String(text || ""), lang || ""), lang || "", onProgress);
  }

  // Sentences a mini-app cut from its page: read one by one, in this order, each as it is (the
  // index onProgress reports is the app's own).
  function readSentences(list, lang, onProgress) {
    var sentences = list.map(function (text) { return { text: String(text), range: null, lang: lang || "" }; });
    return start(sentences, lang || "", onProgress);
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    if (target.closest("[data-read-aloud]")) { event.preventDefault(); readPage(); }
    else if (target.closest("[data-read-aloud-pause]")) { togglePause(); }
    else if (target.closest("[data-read-aloud-stop]")) { stop(); }
  });
  // A new page (htmx swap or navigation) ends a reading of the old one.
  document.addEventListener("htmx:beforeSwap", function () { if (run && run.sentences[0] && run.sentences[0].range) { stop(); } });
  window.addEventListener("pagehide", function () { if (synth) { synth.cancel(); } });

  window.MachiReadAloud = Object.freeze({
    readPage: readPage, readText: readText, readSentences: readSentences, stop: stop
  });
})();
