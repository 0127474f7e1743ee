"""The PortalRB pull API (KemenPANRB, from the 2026 evaluation year): the saved proposal's units and their LKE
answers served over HTTPS behind revocable tokens, every request audited. Never imports Streamlit."""
