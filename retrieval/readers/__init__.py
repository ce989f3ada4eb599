"""The readers' side: follow-up questions and feedback."""
