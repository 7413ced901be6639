// The course's addition to present: emphasis without comments in the code.
//
// Standard present highlights the lines of a .code excerpt that end in a
// "// HLname" comment when the .code line ends in HLname. The course quotes
// solutions/ and keeps such comments out of learners' code, so here HLname
// emphasizes the first line of the excerpt that contains name as a whole
// word. verify checks that every HLname of a deck matches a line.
(function() {
  function emphasize() {
    var codes = document.querySelectorAll('div.code[data-cmd]');
    for (var i = 0; i < codes.length; i++) {
      var m = /\sHL([A-Za-z0-9_]+)$/.exec(codes[i].getAttribute('data-cmd'));
      if (!m) continue;
      var word = new RegExp('(^|[^A-Za-z0-9_])' + m[1] + '($|[^A-Za-z0-9_])');
      var lines = codes[i].querySelectorAll('pre > span[num]');
      for (var j = 0; j < lines.length; j++) {
        if (word.test(lines[j].textContent)) {
          lines[j].className += ' hl';
          break;
        }
      }
    }
  }
  document.addEventListener('DOMContentLoaded', emphasize, false);
})();
