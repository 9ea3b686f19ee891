"""Drawing for screen and print with QtGui only (no widgets): used by the window and, later, by reports."""
