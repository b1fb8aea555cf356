/* The client page's sections (<details data-fold>) fold on a phone and start open on a wide
 * screen. Without JavaScript they start folded everywhere and open with a click.
 * A file rather than inline code: the Content-Security-Policy runs no inline script.
 */
(function () {
  "use strict";

  if (window.matchMedia("(min-width: 48em)").matches) {
    document.querySelectorAll("details[data-fold]").forEach(function (section) {
      section.open = true;
    });
  }
  // A link to a section (#s-messages, the pages of a list) opens it on a phone too.
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target && target.matches("details[data-fold]")) {
    target.open = true;
  }
})();
