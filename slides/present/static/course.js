// The course's additions to present: emphasis without comments in the
// code, and code blocks that fit their slide.
//
// Standard present highlights the lines of a .code excerpt that end in a
// "// HLname" comment when the .code line ends in HLname. The course quotes
// solutions/ and keeps such comments out of learners' code, so here HLname
// emphasizes the first line of code (or, failing that, of comment) in the
// excerpt that contains name as a whole word. verify checks that every
// HLname of a deck matches a line.
(function() {
  function emphasize() {
    var codes = document.querySelectorAll('div.code[data-cmd]');
    for (var i = 0; i < codes.length; i++) {
      var m = /\sHL([A-Za-z0-9_]+)$/.exec(codes[i].getAttribute('data-cmd'));
      if (!m) continue;
      var word = new RegExp('(^|[^A-Za-z0-9_])' + m[1] + '($|[^A-Za-z0-9_])');
      var lines = codes[i].querySelectorAll('pre > span[num]');
      var line = null;
      for (var j = 0; j < lines.length && !line; j++) {
        if (word.test(lines[j].textContent) && !/^\s*\/\//.test(lines[j].textContent)) {
          line = lines[j];
        }
      }
      for (var j = 0; j < lines.length && !line; j++) {
        if (word.test(lines[j].textContent)) {
          line = lines[j]; // only comments have the word
        }
      }
      if (line) line.className += ' hl';
    }
  }

  // A code block a little wider than its slide is shown smaller, down to
  // 16px from 18px (110 columns), rather than cut at the right edge. verify
  // rejects wider ones. Slides far from the current one are not laid out,
  // so each block is fitted when its slide is shown.
  function fitCode() {
    var pres = document.querySelectorAll('section.slides > article.current pre, section.slides > article.next pre, section.slides > article.past pre');
    for (var i = 0; i < pres.length; i++) {
      var pre = pres[i];
      if (pre.getAttribute('data-fitted') || pre.clientWidth === 0) continue;
      for (var size = 18; size > 16 && pre.scrollWidth > pre.clientWidth; size -= 0.5) {
        pre.style.fontSize = (size - 0.5) + 'px';
      }
      pre.setAttribute('data-fitted', 'true');
    }
  }
  document.addEventListener('DOMContentLoaded', function() {
    emphasize();
    // slides.js calls the global updateSlides on every move.
    var update = window.updateSlides;
    window.updateSlides = function() {
      update();
      fitCode();
    };
  }, false);
  window.addEventListener('load', fitCode, false);
})();
