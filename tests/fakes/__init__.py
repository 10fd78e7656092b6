"""Test doubles: a fake Hugging Face Hub, dead network ends, stand-in modules for sys.path.

Nothing here reaches beyond 127.0.0.1, so the suite runs without internet, GPU or Colab.
"""
