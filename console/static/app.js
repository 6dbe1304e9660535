// The console's script: theme toggle, uploads (single PUT or multipart through
// presigned URLs on the console's own /s3/ path), delete, share links. Every
// state-changing call carries the page's CSRF token in X-CSRF-Token.
'use strict';

(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : '';

  // Theme: cycle system -> the other of the current -> system.
  var toggle = document.getElementById('theme-toggle');
  if (toggle) {
    toggle.addEventListener('click', function () {
      var root = document.documentElement;
      var cur = root.getAttribute('data-theme');
      var dark = cur ? cur === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
      var next = dark ? 'light' : 'dark';
      root.setAttribute('data-theme', next);
      try { localStorage.setItem('cairn-theme', next); } catch (e) { /* storage off */ }
    });
  }

  // "/" focuses the search box, as on many sites.
  document.addEventListener('keydown', function (e) {
    var q = document.getElementById('search-q');
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (e.key === '/' && q && !typing) { e.preventDefault(); q.focus(); }
  });

  // Forms that destroy something ask first.
  document.querySelectorAll('form.confirm').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.dataset.confirm)) { e.preventDefault(); }
    });
  });

  // The policy editor checks the JSON as it is typed; the server validates the policy
  // itself on save and shows its error by the editor.
  var doc = document.getElementById('policy-doc');
  if (doc) {
    var check = function () {
      var out = document.getElementById('policy-check');
      if (doc.value.trim() === '') {
        out.textContent = 'Empty: no policy.';
        doc.classList.remove('invalid');
        return;
      }
      try {
        var p = JSON.parse(doc.value);
        var ok = p && (Array.isArray(p) || Array.isArray(p.Statement) || typeof p.Statement === 'object');
        out.textContent = ok ? 'Valid JSON.' : 'JSON, but no "Statement" (or short-form list) in it.';
        doc.classList.toggle('invalid', !ok);
      } catch (err) {
        out.textContent = 'Not valid JSON: ' + err.message;
        doc.classList.add('invalid');
      }
    };
    doc.addEventListener('input', check);
    check();
  }

  function api(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error((j.code || r.status) + ': ' + (j.message || r.statusText)); }
        return j;
      });
    });
  }

  var folder = document.getElementById('folder');
  var object = document.getElementById('object');
  var here = folder || object;
  if (!here) { return; }
  var bucket = here.dataset.bucket;
  var prefix = folder ? folder.dataset.prefix || '' : '';

  // ---- share links (folder rows and the object page) ----
  var dlg = document.getElementById('share-dialog');
  var shareKey = null;
  document.querySelectorAll('button.share').forEach(function (b) {
    b.addEventListener('click', function () {
      var tr = b.closest('tr');
      shareKey = tr ? tr.dataset.key : object.dataset.key;
      document.getElementById('share-key').textContent = shareKey;
      document.getElementById('share-url').value = '';
      dlg.showModal();
    });
  });
  var create = document.getElementById('share-create');
  if (create) {
    create.addEventListener('click', function () {
      var exp = parseInt(document.getElementById('share-expiry').value, 10);
      api('/api/presign', { method: 'GET', bucket: bucket, key: shareKey, expires: exp }).then(function (p) {
        var out = document.getElementById('share-url');
        out.value = p.url;
        out.select();
      }).catch(function (err) { window.alert('Could not create the link: ' + err.message); });
    });
  }

  if (object) {
    objectPage(object.dataset.key);
    return;
  }

  // ---- uploads ----
  var SINGLE_MAX = 16 * 1024 * 1024;
  var PARALLEL = 3;
  var list = document.getElementById('uploads');
  var pending = 0;

  // put sends blob to a presigned URL with progress; resolves with the ETag.
  function put(url, blob, onProgress, job) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      job.xhrs.add(x);
      x.open('PUT', url);
      x.upload.onprogress = function (e) { onProgress(e.loaded); };
      x.onload = function () {
        job.xhrs.delete(x);
        if (x.status >= 200 && x.status < 300) { resolve(x.getResponseHeader('ETag')); } else { reject(new Error('HTTP ' + x.status + ': ' + x.responseText.slice(0, 300))); }
      };
      x.onerror = function () { job.xhrs.delete(x); reject(new Error('network error')); };
      x.onabort = function () { job.xhrs.delete(x); reject(new Error('cancelled')); };
      x.send(blob);
    });
  }

  function row(name) {
    var li = document.createElement('li');
    var label = document.createElement('span'); label.className = 'up-name'; label.textContent = name;
    var bar = document.createElement('progress'); bar.max = 1; bar.value = 0;
    var state = document.createElement('span'); state.className = 'up-state'; state.textContent = 'waiting';
    var cancel = document.createElement('button'); cancel.type = 'button'; cancel.textContent = 'Cancel';
    li.append(label, bar, state, cancel);
    list.append(li);
    return { li: li, bar: bar, state: state, cancel: cancel };
  }

  // ---- resuming a multipart upload after a reload ----
  // The browser keeps, per file being uploaded in parts, the upload id, the part size
  // and the parts done with their ETags: never a URL or anything else that grants
  // access (the parts' URLs are asked for again). A record is keyed by the signed-in
  // user, the bucket, the key and the file's name, size and modification time, and
  // is dropped when the upload completes or is cancelled, or after RESUME_DAYS.
  var RESUME_PREFIX = 'cairn-upload:';
  var RESUME_DAYS = 7;
  var who = document.getElementById('who');
  function resumeKey(file, key) {
    return RESUME_PREFIX + JSON.stringify([who ? who.textContent : '', bucket, key, file.name, file.size, file.lastModified]);
  }
  function loadResume(k) {
    try {
      var r = JSON.parse(localStorage.getItem(k) || 'null');
      if (r && r.uploadId && r.partSize && Date.now() - r.at < RESUME_DAYS * 86400000) { return r; }
      localStorage.removeItem(k);
    } catch (e) { /* storage off or a bad record */ }
    return null;
  }
  function saveResume(k, r) {
    r.at = Date.now();
    try { localStorage.setItem(k, JSON.stringify(r)); } catch (e) { /* storage off or full: no resume */ }
  }
  function dropResume(k) {
    try { localStorage.removeItem(k); } catch (e) { /* storage off */ }
  }
  // Records older than RESUME_DAYS are dropped at every page load.
  try {
    Object.keys(localStorage).forEach(function (k) { if (k.indexOf(RESUME_PREFIX) === 0) { loadResume(k); } });
  } catch (e) { /* storage off */ }

  function uploadFile(file, key) {
    var ui = row(key);
    var job = { xhrs: new Set(), cancelled: false };
    ui.cancel.addEventListener('click', function () {
      job.cancelled = true;
      job.xhrs.forEach(function (x) { x.abort(); });
    });
    var done;
    if (file.size <= SINGLE_MAX) {
      done = single(file, key, ui, job);
    } else {
      var rk = resumeKey(file, key);
      var saved = loadResume(rk);
      done = saved ? offerResume(ui).then(function (resume) {
        if (resume) { return multipart(file, key, ui, job, rk, saved); }
        api('/api/multipart/abort', { bucket: bucket, key: key, uploadId: saved.uploadId }).catch(function () {});
        dropResume(rk);
        return multipart(file, key, ui, job, rk, null);
      }) : multipart(file, key, ui, job, rk, null);
    }
    pending++;
    return done.then(function () {
      ui.state.textContent = 'done'; ui.bar.value = 1; ui.cancel.remove(); ui.li.classList.add('done');
    }, function (err) {
      ui.state.textContent = job.cancelled ? 'cancelled' : 'failed: ' + err.message + (job.resumable ? ' (select the file again to resume)' : '');
      ui.cancel.remove(); ui.li.classList.add('failed');
    }).finally(function () {
      pending--;
      if (pending === 0 && !list.querySelector('.failed')) { window.location.reload(); }
    });
  }

  // offerResume asks, in the upload's row, whether to resume the interrupted upload
  // of this file or start over; resolves true to resume.
  function offerResume(ui) {
    return new Promise(function (resolve) {
      ui.state.textContent = 'an earlier upload of this file was interrupted';
      var yes = document.createElement('button'); yes.type = 'button'; yes.textContent = 'Resume'; yes.className = 'resume';
      var no = document.createElement('button'); no.type = 'button'; no.textContent = 'Start over'; no.className = 'restart';
      ui.li.insertBefore(yes, ui.cancel);
      ui.li.insertBefore(no, ui.cancel);
      var pick = function (v) { yes.remove(); no.remove(); resolve(v); };
      yes.addEventListener('click', function () { pick(true); });
      no.addEventListener('click', function () { pick(false); });
      yes.focus();
    });
  }

  function single(file, key, ui, job) {
    ui.state.textContent = 'uploading';
    return api('/api/presign', { method: 'PUT', bucket: bucket, key: key }).then(function (p) {
      return put(p.path, file, function (n) { ui.bar.value = file.size ? n / file.size : 1; }, job);
    });
  }

  // start begins a new multipart upload, or, resuming saved, asks which parts the
  // upload holds (ListParts): those of the expected size are kept, the others sent
  // again. An upload that no longer exists (completed, aborted) starts over.
  function start(file, key, ui, rk, saved) {
    var fresh = function () {
      ui.state.textContent = 'starting';
      return api('/api/multipart/create', { bucket: bucket, key: key, size: file.size, contentType: file.type }).then(function (m) {
        var rec = { uploadId: m.uploadId, partSize: m.partSize, parts: {} };
        saveResume(rk, rec);
        return rec;
      });
    };
    if (!saved) { return fresh(); }
    ui.state.textContent = 'resuming';
    return api('/api/multipart/parts', { bucket: bucket, key: key, uploadId: saved.uploadId }).then(function (l) {
      var n = Math.ceil(file.size / saved.partSize);
      var rec = { uploadId: saved.uploadId, partSize: saved.partSize, parts: {}, resumed: 0 };
      l.parts.forEach(function (p) {
        var want = p.partNumber < n ? saved.partSize : file.size - (n - 1) * saved.partSize;
        if (p.partNumber >= 1 && p.partNumber <= n && p.size === want) { rec.parts[p.partNumber] = p.etag; rec.resumed++; }
      });
      saveResume(rk, rec);
      return rec;
    }, function (err) {
      if (String(err.message).indexOf('NoSuchUpload') !== 0) { throw err; }
      dropResume(rk);
      return fresh();
    });
  }

  function multipart(file, key, ui, job, rk, saved) {
    return start(file, key, ui, rk, saved).then(function (m) {
      job.resumable = true;
      var n = Math.ceil(file.size / m.partSize);
      var sent = new Array(n + 1).fill(0);
      var etags = [];
      var todo = [];
      for (var pn = 1; pn <= n; pn++) {
        if (m.parts[pn]) {
          etags[pn] = m.parts[pn];
          sent[pn] = Math.min(pn * m.partSize, file.size) - (pn - 1) * m.partSize;
        } else {
          todo.push(pn);
        }
      }
      ui.li.dataset.resumed = String(n - todo.length);
      var progress = function () {
        var total = sent.reduce(function (a, b) { return a + b; }, 0);
        ui.bar.value = total / file.size;
        ui.state.textContent = Math.round(100 * total / file.size) + '%';
      };
      progress();
      // sendPart uploads one part, asking for its URL again on a retry.
      var sendPart = function (pn, attempt) {
        return api('/api/multipart/urls', { bucket: bucket, key: key, uploadId: m.uploadId, parts: [pn] }).then(function (u) {
          var blob = file.slice((pn - 1) * m.partSize, Math.min(pn * m.partSize, file.size));
          return put(u.urls[pn], blob, function (b) { sent[pn] = b; progress(); }, job);
        }).then(function (etag) {
          etags[pn] = etag;
          m.parts[pn] = etag;
          saveResume(rk, m);
        }, function (err) {
          if (job.cancelled || attempt >= 3) { throw err; }
          sent[pn] = 0;
          return sendPart(pn, attempt + 1); // only the failed part is sent again
        });
      };
      var worker = function () {
        if (job.cancelled) { return Promise.reject(new Error('cancelled')); }
        if (todo.length === 0) { return Promise.resolve(); }
        return sendPart(todo.shift(), 1).then(worker);
      };
      var workers = [];
      for (var i = 0; i < PARALLEL; i++) { workers.push(worker()); }
      return Promise.all(workers).then(function () {
        ui.state.textContent = 'completing';
        var parts = [];
        for (var p = 1; p <= n; p++) { parts.push({ partNumber: p, etag: etags[p] }); }
        return api('/api/multipart/complete', { bucket: bucket, key: key, uploadId: m.uploadId, parts: parts }).then(function (out) {
          dropResume(rk);
          return out;
        });
      }, function (err) {
        // Cancelled: the upload is aborted and forgotten. Failed: it is kept, to be
        // resumed by selecting the file again.
        if (!job.cancelled) { throw err; }
        dropResume(rk);
        return api('/api/multipart/abort', { bucket: bucket, key: key, uploadId: m.uploadId }).catch(function () {}).then(function () { throw err; });
      });
    });
  }

  // A mount may allow only some file extensions.
  var allowed = folder && folder.dataset.extensions ? folder.dataset.extensions.split(' ') : null;

  function uploadAll(files) {
    for (var i = 0; i < files.length; i++) {
      var f = files[i];
      var name = f.webkitRelativePath || f.name;
      var ext = name.indexOf('.') >= 0 ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
      if (allowed && allowed.indexOf(ext) < 0) {
        var ui = row(name);
        ui.state.textContent = 'refused: only ' + allowed.join(', ') + ' files here';
        ui.cancel.remove();
        ui.li.classList.add('failed');
        continue;
      }
      uploadFile(f, prefix + name);
    }
  }

  var input = document.getElementById('file-input');
  if (input) {
    input.addEventListener('change', function () { uploadAll(input.files); });
    // A folder keeps its structure: each file's key is its path inside the folder.
    var dirInput = document.getElementById('dir-input');
    dirInput.addEventListener('change', function () { uploadAll(dirInput.files); });
    // The upload labels act as buttons from the keyboard too.
    document.querySelectorAll('label.button[for]').forEach(function (l) {
      l.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); document.getElementById(l.htmlFor).click(); }
      });
    });
    var zone = document.getElementById('dropzone');
    ['dragenter', 'dragover'].forEach(function (ev) {
      document.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (ev) {
      document.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove('over'); });
    });
    document.addEventListener('drop', function (e) { if (e.dataTransfer && e.dataTransfer.files.length) { uploadAll(e.dataTransfer.files); } });
    var nf = document.getElementById('new-folder');
    nf.addEventListener('click', function () {
      var name = window.prompt('Name of the new folder');
      if (!name) { return; }
      var key = prefix + name.replace(/^\/+|\/+$/g, '') + '/';
      api('/api/presign', { method: 'PUT', bucket: bucket, key: key }).then(function (p) {
        return fetch(p.path, { method: 'PUT', body: '' });
      }).then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        window.location.reload();
      }).catch(function (err) { window.alert('Could not create the folder: ' + err.message); });
    });
  }

  // ---- selection and delete ----
  var del = document.getElementById('delete-selected');
  var boxes = function () { return Array.prototype.slice.call(document.querySelectorAll('input.sel:checked')); };
  var all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input.sel').forEach(function (b) { b.checked = all.checked; });
      del.disabled = boxes().length === 0;
    });
  }
  document.querySelectorAll('input.sel').forEach(function (b) {
    b.addEventListener('change', function () { del.disabled = boxes().length === 0; });
  });
  if (del) {
    del.addEventListener('click', function () {
      var keys = [], prefixes = [];
      boxes().forEach(function (b) {
        var tr = b.closest('tr');
        (tr.dataset.folder ? prefixes : keys).push(tr.dataset.key);
      });
      var what = keys.length + ' object(s)' + (prefixes.length ? ' and ' + prefixes.length + ' folder(s) with everything in them' : '');
      if (!window.confirm('Delete ' + what + '? This cannot be undone unless the bucket keeps versions.')) { return; }
      api('/api/delete', { bucket: bucket, keys: keys, prefixes: prefixes }).then(function (r) {
        if (r.errors && r.errors.length) { window.alert(r.errors.length + ' could not be deleted: ' + r.errors[0].code + ': ' + r.errors[0].message); }
        window.location.reload();
      }).catch(function (err) { window.alert('Delete refused: ' + err.message); });
    });
  }


  // ---- move (rename) a whole folder, to this bucket or another, a batch a request,
  // showing progress ----
  var moveForm = document.getElementById('move-folder-form');
  var moveFrom = '';
  document.querySelectorAll('button.move-folder').forEach(function (b) {
    b.addEventListener('click', function () {
      moveFrom = b.closest('tr').dataset.key;
      document.getElementById('move-folder-what').textContent = 'Move the folder ' + moveFrom + ' of ' + bucket + ':';
      document.getElementById('move-to-prefix').value = moveFrom;
      var sel = document.getElementById('move-to-bucket');
      var fill = function (names) {
        sel.textContent = '';
        if (names.indexOf(bucket) < 0) { names.unshift(bucket); }
        names.forEach(function (n) {
          var o = document.createElement('option');
          o.value = o.textContent = n;
          o.selected = n === bucket;
          sel.appendChild(o);
        });
        moveForm.hidden = false;
        document.getElementById('move-to-prefix').focus();
      };
      fetch('/api/buckets', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : { buckets: [] }; })
        .then(function (j) { fill(j.buckets || []); }, function () { fill([]); });
    });
  });
  if (moveForm) {
    document.getElementById('move-folder-cancel').addEventListener('click', function () { moveForm.hidden = true; });
    moveForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var from = moveFrom;
      var toBucket = document.getElementById('move-to-bucket').value || bucket;
      var to = document.getElementById('move-to-prefix').value;
      if (!to || (to === from && toBucket === bucket)) { return; }
      var where = (toBucket === bucket ? '' : toBucket + '/') + to;
      moveForm.hidden = true;
      var status = document.getElementById('move-status');
      var moved = 0, failed = [];
      status.hidden = false;
      var step = function (after) {
        status.textContent = 'Moving ' + from + ' to ' + where + ': ' + moved + ' moved' + (failed.length ? ', ' + failed.length + ' not moved' : '') + '…';
        return api('/api/move-folder', { bucket: bucket, prefix: from, toBucket: toBucket, toPrefix: to, startAfter: after }).then(function (r) {
          moved += r.moved;
          failed = failed.concat(r.errors || []);
          return r.done ? null : step(r.next);
        });
      };
      step('').then(function () {
        status.textContent = 'Moved ' + moved + ' object(s) to ' + where + '.';
        if (failed.length) {
          window.alert(failed.length + ' object(s) not moved (each kept at its old name' + ', or at both names where the copy was made but the original could not be deleted):\n' +
            failed.slice(0, 10).map(function (f) { return f.key + ': ' + f.code + ': ' + f.message + (f.copied ? ' (copied, original kept)' : ''); }).join('\n'));
        }
        window.location.reload();
      }, function (err) {
        status.textContent = 'Stopped after ' + moved + ' moved: ' + err.message;
      });
    });
  }

  // objectPage wires the object page: text preview, delete, versions.
  function objectPage(key) {
    var pre = document.getElementById('preview-text');
    if (pre) {
      fetch(pre.dataset.src, { headers: { Range: 'bytes=0-262143' } }).then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.text();
      }).then(function (t) { pre.textContent = t; }, function (err) { pre.textContent = 'No preview: ' + err.message; });
    }
    var folderHref = '/b/' + encodeURIComponent(bucket) + '/' + key.slice(0, key.lastIndexOf('/') + 1).split('/').map(encodeURIComponent).join('/');
    var del = document.getElementById('delete-object');
    if (del) {
      del.addEventListener('click', function () {
        if (!window.confirm('Delete ' + key + '? In a bucket that keeps versions this adds a delete marker; otherwise it cannot be undone.')) { return; }
        api('/api/delete', { bucket: bucket, keys: [key] }).then(function () { window.location.href = folderHref; })
          .catch(function (err) { window.alert('Delete refused: ' + err.message); });
      });
    }
    var goTo = function (b, k) {
      window.location.href = '/o/' + encodeURIComponent(b) + '/' + k.split('/').map(encodeURIComponent).join('/');
    };
    [['copy-object', false], ['move-object', true]].forEach(function (m) {
      var b = document.getElementById(m[0]);
      if (!b) { return; }
      b.addEventListener('click', function () {
        var to = window.prompt(m[1] ? 'New name (the full key; a "/" makes folders)' : 'Copy to (the full key)', key);
        if (!to || to === key) { return; }
        api('/api/copy', { bucket: bucket, key: key, toBucket: bucket, toKey: to, move: m[1] }).then(function (r) { goTo(r.bucket, r.key); })
          .catch(function (err) { window.alert('Refused: ' + err.message); });
      });
    });
    var metaSave = document.getElementById('meta-save');
    if (metaSave) {
      metaSave.addEventListener('click', function () {
        var val = function (id) { return document.getElementById(id).value; };
        api('/api/metadata', {
          bucket: bucket, key: key, contentType: val('meta-content-type'), cacheControl: val('meta-cache-control'),
          contentDisposition: val('meta-disposition'), metadata: val('meta-edit')
        }).then(function () { window.location.reload(); })
          .catch(function (err) { window.alert('Refused: ' + err.message); });
      });
    }
    var tagsSave = document.getElementById('tags-save');
    if (tagsSave) {
      tagsSave.addEventListener('click', function () {
        api('/api/tags', { bucket: bucket, key: key, tags: document.getElementById('tags-edit').value }).then(function () { window.location.reload(); })
          .catch(function (err) { window.alert('Refused: ' + err.message); });
      });
    }
    var act = function (sel, path, question) {
      document.querySelectorAll(sel).forEach(function (b) {
        b.addEventListener('click', function () {
          var v = b.closest('tr').dataset.version;
          if (question && !window.confirm(question + ' (version ' + v + ')')) { return; }
          api(path, { bucket: bucket, key: key, versionId: v }).then(function () { window.location.reload(); })
            .catch(function (err) { window.alert('Refused: ' + err.message); });
        });
      });
    };
    act('button.restore', '/api/version/restore', '');
    act('button.undelete', '/api/version/delete', '');
    act('button.delete-version', '/api/version/delete', 'Delete this version for good? This cannot be undone.');
  }
})();
