"""Quotations in Arabic news and their speakers (see :mod:`pipeline.nlp.quotes.extractor`).

``extractor`` finds the quotes and reads a speaker with rules; ``speakers`` turns those rules into
candidates and features and lets a small trained model choose among them (or nobody).
"""
from pipeline.nlp.quotes.extractor import QuoteExtractor

__all__ = ["QuoteExtractor"]
