"""A test's own small Streamlit app: every kind of Streamlit call that draws Markdown, each given the texts of the
JSON file $ZI_TEXTS through ui.text.md, one keyed container per text (tests/test_browser_text.py reads them)."""

import json
import os

import streamlit as st

from ui.text import md

for i, text in enumerate(json.loads(open(os.environ["ZI_TEXTS"], encoding="utf-8").read())):
    with st.container(key=f"c{i}"):
        st.markdown(md(text))
        st.markdown(f"**{md(text)}** dan\n- {md(text)}")
        st.caption(md(text))
        st.warning(md(text))
        st.error(md(text))
        with st.expander(md(text)):
            st.write("isi")
        st.tabs([md(text)])
        st.metric(md(text), 1)
        st.selectbox(md(text), [text], key=f"select{i}")
        st.multiselect("pilihan", [text], default=[text], key=f"multi{i}")
        st.radio("radio", [md(text)], key=f"radio{i}")
        st.checkbox(md(text), key=f"check{i}")
        st.progress(0.5, text=md(text))
        st.button(md(text), key=f"button{i}")
        st.download_button(md(text), b"x", key=f"download{i}")
