"""The page's own CSS (the only live markup besides what `ui.render` and `ui.cards` write)."""

from __future__ import annotations

ACCENT = "#2563eb"
DOUBT = "#c2410c"

CSS = f"""
<style>
/* Streamlit's own containers, by their stable test ids: less empty space, readable line lengths. */
[data-testid="stMainBlockContainer"] {{ padding-top: 2.5rem; max-width: 68rem; }}
.nqa-answer {{ line-height: 1.65; font-size: 1.02rem; }}
.nqa-answer sup a {{ text-decoration: none; font-weight: 600; font-size: .72rem; color: {ACCENT};
  background: rgba(37,99,235,.10); border-radius: .6rem; padding: 0 .3rem; margin-left: .1rem; }}
.nqa-answer sup a.nqa-doubt {{ color: {DOUBT}; background: rgba(194,65,12,.12); }}
.nqa-unverified {{ text-decoration: underline dotted {DOUBT}; text-underline-offset: .2rem; }}
.nqa-flag {{ color: {DOUBT}; font-size: .72rem; font-weight: 600; margin-left: .2rem; }}
.nqa-meta {{ color: rgba(100,110,125,1); font-size: .84rem; }}
.nqa-meta a {{ color: inherit; }}
.nqa-searched {{ color: rgba(100,110,125,1); font-size: .86rem; font-style: italic; }}
.nqa-footer {{ color: rgba(100,110,125,1); font-size: .8rem; margin-top: .2rem; }}
.nqa-user {{ white-space: pre-wrap; font-size: 1.02rem; }}
.nqa-card {{ border: 1px solid rgba(128,128,128,.28); border-left: 4px solid {ACCENT};
  border-radius: .5rem; padding: .55rem .8rem .6rem; margin: .45rem 0;
  background: rgba(128,128,128,.04); scroll-margin-top: 4rem; }}
.nqa-card:target {{ box-shadow: 0 0 0 2px {ACCENT}; }}
.nqa-card.nqa-doubt {{ border-left-color: {DOUBT}; }}
.nqa-head {{ display: flex; align-items: baseline; gap: .5rem; }}
.nqa-n {{ flex: none; font-weight: 700; font-size: .78rem; color: white; background: {ACCENT};
  border-radius: .7rem; min-width: 1.35rem; text-align: center; padding: .05rem .35rem; }}
.nqa-doubt .nqa-n {{ background: {DOUBT}; }}
.nqa-title {{ font-weight: 600; flex: 1; }}
a.nqa-title {{ text-decoration: none; }}
a.nqa-title:hover {{ text-decoration: underline; }}
.nqa-badge {{ flex: none; font-size: .72rem; font-weight: 600; border-radius: .6rem;
  padding: .05rem .45rem; white-space: nowrap; }}
.nqa-badge-ok {{ color: #15803d; background: rgba(21,128,61,.12); }}
.nqa-badge-doubt {{ color: {DOUBT}; background: rgba(194,65,12,.12); }}
.nqa-badge-quote {{ color: rgba(100,110,125,1); background: rgba(128,128,128,.14); }}
.nqa-quote {{ margin-top: .35rem; font-size: .92rem; line-height: 1.55; }}
.nqa-card mark {{ background: #fde68a; color: inherit; padding: .05rem .1rem; border-radius: .15rem; }}
.nqa-full summary {{ cursor: pointer; color: rgba(100,110,125,1); font-size: .8rem; margin-top: .3rem; }}
.nqa-passage {{ white-space: pre-wrap; font-size: .88rem; margin-top: .3rem; }}
.nqa-list {{ font-size: .84rem; margin: .2rem 0 .4rem; padding-left: 1.1rem; }}
.nqa-list li {{ margin: .1rem 0; overflow-wrap: anywhere; }}
.nqa-list .nqa-name {{ font-weight: 600; }}
.nqa-answerer {{ font-size: .86rem; color: rgba(100,110,125,1); }}
.nqa-answerer b {{ color: inherit; }}
</style>
"""
