"""nbgrader configuration of the course (nbgrader 0.9.6).

Loaded by the nbgrader command line, the formgrader and the course's own `autograder`
package, which runs from this directory.
"""

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "nn-foundations"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"

# Validate (the students' button, and the course's tests) waits for the kernel's replies in
# short slices: a long wait can miss the reply of an `interact` cell (COURSE.md). nbgrader's
# Execute always uses jupyter_client's AsyncKernelManager; its clients are configurable.
c.AsyncKernelManager.client_class = "utils.kernel_client.ShortPollKernelClient"
c.AsyncKernelManager.client_factory = "utils.kernel_client.ShortPollKernelClient"

# A lesson's solution runs in seconds; 60 s per cell leaves room for slow student code on a
# busy grading machine without letting an endless loop hold a worker for long.
c.Execute.timeout = 60

# A deleted or edited locked cell is restored from the gradebook, never left for manual
# grading.
c.OverwriteCells.add_missing_cells = True

# Feedback never shows hidden tests: clear them before the HTML is written.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
