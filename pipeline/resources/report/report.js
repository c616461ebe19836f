// Views by the address's #fragment: #overview, #articles?f=entity&q=…&page=N, #article/N, #stories,
// #dead. Any other fragment is an anchor in the open view (a mention, a quote) and changes nothing.
(function () {
  'use strict';
  var doc = document, root = doc.documentElement;
  var CHUNK = +root.getAttribute('data-chunk'), PAGE = +root.getAttribute('data-page');
  var index = JSON.parse(doc.getElementById('wp-index').textContent);
  var chunks = {}, normalized = null;
  // Index row: 0 headline, 1 agency, 2 time, 3 status, 4 entity names (|), 5 speakers (|), 6 entities, 7 quotes, 8 id.
  var FIELDS = {agency: [1], entity: [4], speaker: [5], all: [0, 1, 4, 5, 8]};

  // Search ignores diacritics, tatweel and the alef, yeh and teh-marbuta variants, and case.
  function norm(text) {
    return String(text).toLowerCase().replace(/[\u064B-\u0652\u0670\u0640]/g, '')
      .replace(/[\u0622\u0623\u0625\u0671]/g, '\u0627').replace(/\u0649/g, '\u064A').replace(/\u0629/g, '\u0647');
  }
  function articleHtml(n) {
    var k = Math.floor(n / CHUNK);
    if (!(k in chunks)) chunks[k] = JSON.parse(doc.getElementById('wp-chunk-' + k).textContent);
    return chunks[k][n % CHUNK];
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
    if (normalized === null) normalized = index.map(function (row) {
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
    doc.getElementById('list-info').textContent = hits.length + ' من ' + index.length + ' مقالة · صفحة ' + page + ' من ' + pages;
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
    var box = doc.getElementById('article');
    box.innerHTML = articleHtml(n);  // escaped and marked up when the report was built
    box.setAttribute('data-article', String(n));
    window.scrollTo(0, 0);
  }
  function route() {
    var hash = location.hash.slice(1), cut = hash.indexOf('?');
    var path = cut < 0 ? hash : hash.slice(0, cut);
    var params = new URLSearchParams(cut < 0 ? '' : hash.slice(cut + 1));
    var parts = path.split('/');
    if (parts[0] === 'article' && /^\d+$/.test(parts[1] || '') && +parts[1] < index.length) {
      renderArticle(+parts[1]); show('article');
    } else if (parts[0] === 'articles') {
      renderList(params); show('articles');
    } else if (path === '' || path === 'overview' || path === 'stories' || path === 'dead') {
      show(path || 'overview');
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
  window.addEventListener('hashchange', route);
  route();
  root.setAttribute('data-ready', '1');
})();
