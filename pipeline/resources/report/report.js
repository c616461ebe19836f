// Views by the address's #fragment: #overview, #articles?f=entity&q=…&page=N, #article/N, #stories,
// #dead. Any other fragment is an anchor in the open view (a mention, a quote) and changes nothing.
(function () {
  'use strict';
  var doc = document, root = doc.documentElement;
  var CHUNK = +root.getAttribute('data-chunk'), PAGE = +root.getAttribute('data-page');
  var index = JSON.parse(doc.getElementById('wp-index').textContent);
  var LABELS = JSON.parse(doc.getElementById('wp-labels').textContent);
  var chunks = {}, normalized = null, shown = -1;
  // Index row: 0 headline, 1 agency, 2 time, 3 status, 4 entity names (|), 5 speakers (|), 6 entities, 7 quotes, 8 id.
  var FIELDS = {agency: [1], entity: [4], speaker: [5], all: [0, 1, 4, 5, 8]};

  // Search ignores diacritics, tatweel and the alef, yeh and teh-marbuta variants, and case.
  function norm(text) {
    return String(text).toLowerCase().replace(/[\u064B-\u0652\u0670\u0640]/g, '')
      .replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627').replace(/\u0649/g, '\u064A').replace(/\u0629/g, '\u0647');
  }
  // A block holds CHUNK articles' HTML, gzip-compressed, in base64; each article starts with '<article '.
  function block(k) {
    if (!(k in chunks)) {
      var bytes = Uint8Array.from(atob(doc.getElementById('wp-chunk-' + k).textContent.trim()), function (c) {
        return c.charCodeAt(0);
      });
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      chunks[k] = new Response(stream).text().then(function (text) {
        return text.split('<article ').slice(1).map(function (piece) { return '<article ' + piece; });
      });
    }
    return chunks[k];
  }
  function show(name) {
    ['overview', 'articles', 'article', 'stories', 'dead'].forEach(function (view) {
      doc.getElementById('view-' + view).hidden = view !== name;
    });
    var tab = name === 'article' ? 'articles' : name;
    Array.prototype.forEach.call(doc.querySelectorAll('.tabs a'), function (a) {
      a.classList.toggle('on', a.getAttribute('data-view') === tab);
    });
  }
  function listHash(field, q, page) {
    var params = new URLSearchParams();
    if (q) { params.set('f', field); params.set('q', q); }
    if (page > 1) params.set('page', String(page));
    var s = params.toString();
    return '#articles' + (s ? '?' + s : '');
  }
  function renderList(params) {
    var field = FIELDS.hasOwnProperty(params.get('f')) ? params.get('f') : 'all';
    var q = params.get('q') || '', needle = norm(q.trim());
    var select = doc.getElementById('filter-field'), input = doc.getElementById('filter-q');
    select.value = field;
    if (doc.activeElement !== input) input.value = q;
    if (needle && normalized === null) normalized = index.map(function (row) {  // once, at the first search
      return row.map(function (cell) { return typeof cell === 'string' ? norm(cell) : cell; });
    });
    var hits = [];
    for (var n = 0; n < index.length; n++) {
      if (!needle || FIELDS[field].some(function (c) { return normalized[n][c].indexOf(needle) >= 0; })) hits.push(n);
    }
    var pages = Math.max(1, Math.ceil(hits.length / PAGE));
    var page = Math.min(Math.max(1, parseInt(params.get('page'), 10) || 1), pages);
    var list = doc.getElementById('list');
    list.textContent = '';
    hits.slice((page - 1) * PAGE, page * PAGE).forEach(function (n) {
      var row = index[n], li = doc.createElement('li'), a = doc.createElement('a'), meta = doc.createElement('span');
      a.className = 'h'; a.href = '#article/' + n; a.textContent = row[0] || row[8];
      meta.className = 'm';
      meta.textContent = [row[1] || '—', row[2], row[3], 'كيانات ' + row[6], 'اقتباسات ' + row[7]].join(' · ');
      li.appendChild(a); li.appendChild(meta); list.appendChild(li);
    });
    doc.getElementById('list-info').textContent = hits.length.toLocaleString('en-US') + ' من ' +
      index.length.toLocaleString('en-US') + ' مقالة · صفحة ' + page + ' من ' + pages;
    var pager = doc.getElementById('pager');
    pager.textContent = '';
    function pageLink(p, label) {
      var el = doc.createElement(p === page ? 'span' : 'a');
      el.textContent = label;
      if (p !== page) el.href = listHash(field, q, p);
      pager.appendChild(el);
    }
    if (pages > 1) {
      if (page > 1) pageLink(page - 1, 'السابق');
      var shown = {};
      [1, page - 2, page - 1, page, page + 1, page + 2, pages].forEach(function (p) {
        if (p >= 1 && p <= pages && !shown[p]) { shown[p] = 1; pageLink(p, String(p)); }
      });
      if (page < pages) pageLink(page + 1, 'التالي');
    }
  }
  function renderArticle(n) {
    if (shown === n) return;  // an anchor inside the article was followed
    shown = n;
    var box = doc.getElementById('article');
    box.removeAttribute('data-article');
    return block(Math.floor(n / CHUNK)).then(function (pieces) {
      if (shown !== n) return;
      box.innerHTML = pieces[n % CHUNK];  // escaped and marked up when the report was built
      box.setAttribute('data-article', String(n));
      window.scrollTo(0, 0);
    });
  }
  // Hover text, made when the pointer first comes: type, canonical name and role; kind, speaker, verb.
  function describe(el) {
    if (el.classList.contains('ent')) {
      var type = ['per', 'org', 'loc'].filter(function (c) { return el.classList.contains(c); })[0];
      var role = el.getAttribute('data-role');
      return (LABELS[type] || '') + ': ' + el.getAttribute('data-canonical') + (role ? ' — ' + role : '');
    }
    var verb = el.getAttribute('data-verb');
    return LABELS[(el.getAttribute('data-kind') || '').toLowerCase()] + ' — ' +
      (el.getAttribute('data-speaker') || LABELS.unknown) + (verb ? ' (' + verb + ')' : '');
  }
  function addTitle(e) {
    var el = e.target.closest && e.target.closest('#article .ent, #article .q');
    if (el && !el.title) el.title = describe(el);
  }
  function route() {
    var hash = location.hash.slice(1), cut = hash.indexOf('?');
    var path = cut < 0 ? hash : hash.slice(0, cut);
    var params = new URLSearchParams(cut < 0 ? '' : hash.slice(cut + 1));
    var parts = path.split('/');
    if (parts[0] === 'article' && /^\d+$/.test(parts[1] || '') && +parts[1] < index.length) {
      show('article'); return renderArticle(+parts[1]);
    } else if (parts[0] === 'articles') {
      shown = -1; renderList(params); show('articles');
    } else if (path === '' || path === 'overview' || path === 'stories' || path === 'dead') {
      shown = -1; show(path || 'overview');
    }
  }
  function onFilter() {
    var hash = listHash(doc.getElementById('filter-field').value, doc.getElementById('filter-q').value, 1);
    history.replaceState(null, '', hash);
    route();
  }
  doc.getElementById('filter').addEventListener('submit', function (e) { e.preventDefault(); onFilter(); });
  doc.getElementById('filter-q').addEventListener('input', onFilter);
  doc.getElementById('filter-field').addEventListener('change', onFilter);
  // A click on a quote shows its speaker's mention.
  doc.getElementById('article').addEventListener('click', function (e) {
    var quote = e.target.closest('[data-speaker-ref]');
    var mention = quote && doc.getElementById(quote.getAttribute('data-speaker-ref'));
    if (!mention || e.target.closest('a')) return;
    mention.scrollIntoView({block: 'center'});
    mention.classList.add('flash');
    setTimeout(function () { mention.classList.remove('flash'); }, 1500);
  });
  doc.getElementById('article').addEventListener('mouseover', addTitle);
  doc.getElementById('article').addEventListener('focusin', addTitle);
  window.addEventListener('hashchange', route);
  if (typeof DecompressionStream === 'undefined') {
    doc.getElementById('article').textContent = 'هذا المتصفح لا يدعم DecompressionStream: لا يمكن عرض نص المقالات.';
  }
  Promise.resolve(route()).then(function () {
    root.setAttribute('data-ready-ms', String(Math.round(performance.now())));  // from navigation start
    root.setAttribute('data-ready', '1');
  });
})();
