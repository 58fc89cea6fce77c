"""The instructor's tool around nbgrader: release the lessons, grade, feedback, reports."""
