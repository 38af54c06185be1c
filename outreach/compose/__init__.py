"""Composition: templates, the contexts they see, links and (later) image cards."""
