/* The client page's sections (<details open data-fold>) fold on a phone, so its summary is
 * the first screen; on a wide screen, and without JavaScript, they stay open.
 * A file rather than inline code: the Content-Security-Policy runs no inline script.
 */
(function () {
  "use strict";

  if (window.matchMedia("(min-width: 48em)").matches) {
    return;
  }
  // A link to a section (#s-messages: the pages of a list) keeps that one open.
  var wanted = window.location.hash.slice(1);
  document.querySelectorAll("details[data-fold]").forEach(function (section) {
    section.open = section.id === wanted;
  });
})();
