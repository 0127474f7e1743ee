"""The dashboard's shared Streamlit pieces, one job per module (pages/ holds only the pages)."""
