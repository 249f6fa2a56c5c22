"""The Streamlit chat."""
