from collections import defaultdict
from service.mail.render import render, template_names
from tests.templates.lint import findings
from tests.templates.samples import states
agg=defaultdict(set)
for n in template_names():
    for label, ctx in states(n):
        try:
            for f in findings(n, render(n, ctx)): agg[n].add(f if "words" not in f else f.split(",")[1]+" "+f.split()[0])
        except Exception as e:
            agg[n].add("RENDER ERROR "+label+": "+repr(e)[:150])
for n,fs in agg.items():
    print(n); [print("   ",f[:160]) for f in sorted(fs)]
