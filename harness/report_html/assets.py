"""The page's static assets: its HTML skeleton (a ``str.format`` template), style sheet and
script (the filters, folding, links to claims and copy buttons)."""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body><header><h1>{title}</h1>{header}</header>
<main><form class="filters" onsubmit="return false">
<label>subject <select id="f-subject"><option value="">all</option>{subjects}</select></label>
<label>kind <select id="f-kind"><option value="">all</option>{kinds}</select></label>
<label>verdict <select id="f-verdict"><option value="">all</option>{verdicts}</select></label>
<label><input type="checkbox" id="f-unexpected"> only not as declared</label>
<label>search <input type="search" id="f-text" placeholder="claim ID or words"></label>
<button type="button" id="f-reset">reset</button>
<button type="button" id="expand">expand shown</button>
<span class="count"><b id="shown">{count}</b> of {count} claims</span></form>
<table class="claims"><colgroup><col style="width:28px"><col><col style="width:88px">
<col style="width:74px"><col style="width:160px"><col style="width:80px"><col style="width:80px">
<col style="width:48px"><col style="width:22%"></colgroup>
<thead><tr><th></th><th>claim</th><th>kind</th><th>declared</th>
<th>verdict</th><th>examples</th><th>samples</th><th>s</th><th>evidence</th></tr></thead>
{rows}</table></main><script>{js}</script></body></html>
"""

CSS = """
:root{--bad:#c62828;--ok:#2e7d32;--ref:#6a1b9a;--na:#757575;--line:#e2e2e2}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
header{background:#fff;border-bottom:1px solid var(--line);padding:12px 20px}
h1{font-size:20px;margin:0 0 8px}h4{margin:12px 0 4px;font-size:14px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;font-size:13px}
.facts dt{color:#555}.facts dd{margin:0}
.totals{margin-top:10px;display:flex;gap:8px;flex-wrap:wrap}
.chip{border:1px solid var(--line);border-radius:14px;padding:2px 10px;background:#fff;
font:inherit;font-size:13px;cursor:pointer}.chip.plain{cursor:default}
.chip.bad{border-color:var(--bad);color:var(--bad)}.chip.good{border-color:var(--ok)}
main{padding:12px 20px}
.filters{display:flex;gap:12px;flex-wrap:wrap;align-items:center;margin-bottom:10px;
font-size:13px}.filters .count{margin-left:auto;color:#555}
table.claims{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff;font-size:13px}
.claims>thead th{text-align:left;border-bottom:2px solid #ccc;padding:4px 6px;position:sticky;
top:0;background:#fff;z-index:1}
.claims>tbody>tr>td{padding:4px 6px;vertical-align:top}
tbody.claim{border-bottom:1px solid var(--line)}
tbody.claim[data-unexpected="1"] tr.row{background:#fdecea}
tbody.claim[data-unexpected="1"] td:first-child{box-shadow:inset 3px 0 var(--bad)}
td.r{text-align:right;font-variant-numeric:tabular-nums}
.id a{font-family:ui-monospace,monospace;color:inherit;text-decoration:none;font-weight:600}
.stmt{color:#555;max-width:60ch;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.toggle{border:0;background:none;cursor:pointer;font-size:14px;width:22px}
.toggle[aria-expanded="true"]{transform:rotate(90deg)}
.badge{border-radius:4px;padding:0 6px;color:#fff;white-space:nowrap}
.v-holds{background:var(--ok)}.v-refuted{background:var(--ref)}
.v-not-applicable{background:var(--na)}.v-error{background:var(--bad)}
.chip.v-holds,.chip.v-refuted,.chip.v-not-applicable,.chip.v-error{color:#fff;border:0}
.flag{color:var(--bad);font-weight:600;font-size:12px;margin-left:4px}
tr.detail>td{padding:4px 6px 14px}
table.about th{text-align:left;color:#555;font-weight:500;padding:1px 10px 1px 0;
vertical-align:top;white-space:nowrap}
table.about td{padding:1px 0}
.figs{display:flex;flex-wrap:wrap;gap:12px}
figure.decision{margin:0;width:440px;max-width:100%;border:1px solid var(--line);
border-radius:6px;padding:6px;background:#fff}
figure.decision figcaption{font-size:13px}.reject{color:var(--bad)}.accept{color:var(--ok)}
svg.plot{width:100%;height:auto;display:block}
svg.plot *{stroke-linejoin:round;stroke-linecap:butt}
.why{font-size:12px;color:#444}
.legend{font-size:12px;color:#555}.k-est{color:#7b7b7b}.k-target{color:#1b4f7a;
font-weight:700}.k-band{color:#cfe3f5}.k-reject{color:var(--bad)}.k-accept{color:var(--ok)}
.meter{position:relative;height:12px;max-width:440px;background:#eee;border-radius:3px}
.meter .fill{position:absolute;left:0;top:0;bottom:0;background:var(--ok);border-radius:3px}
.meter.over .fill{background:var(--bad)}
.meter .tol{position:absolute;top:-3px;bottom:-3px;width:2px;background:#222}
.scale{position:relative;max-width:440px;height:16px;font-size:11px;color:#555}
.scale span{position:absolute;left:0}.scale span+span{transform:translateX(-50%)}
.scale .end{left:auto;right:0;transform:none}
.example{display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap}
.shape{color:#777;font-size:11px}
.seed{font-size:12px;color:#555;font-family:ui-monospace,monospace}
table.kv,table.arr,table.ev{border-collapse:collapse;font-size:12px}
table.kv th{text-align:left;font-weight:600;padding:1px 8px 1px 0;vertical-align:top}
table.kv td{padding:1px 0;vertical-align:top}
table.arr td{border:1px solid #ddd;padding:1px 5px;text-align:right;
font-variant-numeric:tabular-nums}
table.ev th,table.ev td{border-bottom:1px solid #eee;padding:2px 8px 2px 0;text-align:left}
.scroll{display:flex;align-items:flex-start;gap:6px;overflow-x:auto;max-width:calc(100vw - 140px)}
.box{overflow-x:auto}
.obj b{font-weight:600}
.replay{margin-top:8px;max-width:900px}
.replay .bar{display:flex;justify-content:space-between;align-items:center;font-size:12px;
color:#555}
.copy{font:inherit;font-size:12px;cursor:pointer}
pre{background:#f3f3f3;border:1px solid #e3e3e3;border-radius:4px;padding:6px;margin:2px 0;
white-space:pre-wrap;word-break:break-all;font-size:12px}
.reason{color:#444}ul.lines{font-family:ui-monospace,monospace;font-size:12px}
@media print{tr.detail[hidden]{display:table-row}.filters,.toggle,.copy{display:none}}
"""

JS = r"""
(function(){
var $=function(s){return document.querySelector(s)};
var claims=Array.prototype.slice.call(document.querySelectorAll('tbody.claim'));
var f={subject:$('#f-subject'),kind:$('#f-kind'),verdict:$('#f-verdict'),
unexpected:$('#f-unexpected'),text:$('#f-text')};
function apply(){
 var q=f.text.value.trim().toLowerCase(),shown=0;
 claims.forEach(function(c){var d=c.dataset;
  var ok=(!f.subject.value||d.subject===f.subject.value)&&(!f.kind.value||d.kind===f.kind.value)
   &&(!f.verdict.value||d.verdict===f.verdict.value)&&(!f.unexpected.checked||d.unexpected==='1')
   &&(!q||c.rows[0].textContent.toLowerCase().indexOf(q)>=0);
  c.hidden=!ok;if(ok)shown++;});
 $('#shown').textContent=shown;}
function reset(){f.subject.value=f.kind.value=f.verdict.value=f.text.value='';
 f.unexpected.checked=false;apply();}
function open(c,on){var b=c.querySelector('.toggle');c.rows[1].hidden=!on;
 b.setAttribute('aria-expanded',on?'true':'false');}
['subject','kind','verdict','unexpected'].forEach(function(k){f[k].addEventListener('change',apply)});
f.text.addEventListener('input',apply);
$('#f-reset').addEventListener('click',reset);
$('#expand').addEventListener('click',function(){var on=this.textContent==='expand shown';
 claims.forEach(function(c){if(!c.hidden)open(c,on)});
 this.textContent=on?'collapse shown':'expand shown';});
document.querySelectorAll('.chip[data-verdict]').forEach(function(b){
 b.addEventListener('click',function(){reset();f.verdict.value=b.dataset.verdict;apply();});});
document.querySelectorAll('.chip[data-unexpected]').forEach(function(b){
 b.addEventListener('click',function(){reset();f.unexpected.checked=true;apply();});});
claims.forEach(function(c){c.querySelector('.toggle').addEventListener('click',function(){
 open(c,c.rows[1].hidden);});});
function reveal(){var id;try{id=decodeURIComponent(location.hash.slice(1))}catch(e){return}
 var c=id&&document.getElementById(id);if(!c||!c.classList.contains('claim'))return;
 if(c.hidden)reset();open(c,true);c.scrollIntoView();}
window.addEventListener('hashchange',reveal);reveal();
document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',function(){
 var text=b.dataset.copy,code=b.parentNode.parentNode.querySelector('code');
 function done(msg){b.textContent=msg;setTimeout(function(){b.textContent='Copy'},1500);}
 function fallback(){var r=document.createRange();r.selectNodeContents(code);
  var s=getSelection();s.removeAllRanges();s.addRange(r);
  var ok=false;try{ok=document.execCommand('copy')}catch(e){}
  done(ok?'Copied':'Selected: press Ctrl+C');}
 if(navigator.clipboard&&navigator.clipboard.writeText){
  navigator.clipboard.writeText(text).then(function(){done('Copied')},fallback);}
 else fallback();});});
apply();
})();
"""
