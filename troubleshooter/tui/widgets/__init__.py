"""Widgets own their looks: the playbook tree, the probe status line, the node and diagnosis views."""
