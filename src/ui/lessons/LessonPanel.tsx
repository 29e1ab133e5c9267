import { useLab } from '../../state/store';
import { lessonById, lessons } from '../../state/lessons';
import { fieldInfo } from '../../sim/config';

/** The lesson menu: each entry loads the lesson's settings (and its link into the address bar). */
export function LessonMenu() {
  const loadLesson = useLab((s) => s.loadLesson);
  const current = useLab((s) => s.lessonId);
  return (
    <details className="lesson-menu">
      <summary>Lessons</summary>
      <ul>
        {lessons.map((l) => (
          <li key={l.id}>
            <a
              href={`?${l.query}`}
              aria-current={current === l.id ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                loadLesson(l.id);
                (e.currentTarget.closest('details') as HTMLDetailsElement | null)?.removeAttribute('open');
              }}
            >
              {l.title}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Scrolls the settings to a lesson's control (highlighted there) and focuses it. */
function goToControl(path: string) {
  const field = document.querySelector(`[data-path="${path}"]`);
  if (!field) return;
  field.closest('details')?.setAttribute('open', '');
  field.scrollIntoView({ block: 'center', behavior: 'smooth' });
  field.querySelector<HTMLElement>('input, select')?.focus({ preventScroll: true });
}

/** The explanation beside the controls while a lesson is open. */
export function LessonPanel() {
  const lessonId = useLab((s) => s.lessonId);
  const loadLesson = useLab((s) => s.loadLesson);
  const closeLesson = useLab((s) => s.closeLesson);
  const lesson = lessonId ? lessonById(lessonId) : undefined;
  if (!lesson) return null;
  const index = lessons.indexOf(lesson);
  const next = lessons[index + 1];
  return (
    <section className="lesson-panel" aria-labelledby="lesson-title" data-testid="lesson-panel">
      <h2 id="lesson-title">{lesson.title}</h2>
      <p>{lesson.explanation}</p>
      <p>
        <strong>Try this:</strong> {lesson.tryThis}
      </p>
      <div className="buttons lesson-controls" role="group" aria-label="Controls of this lesson">
        <span className="muted small">Go to:</span>
        {lesson.focus.map((path) => (
          <button key={path} type="button" className="small-button" onClick={() => goToControl(path)}>
            {fieldInfo(path).label}
          </button>
        ))}
      </div>
      <div className="buttons">
        {next && (
          <button type="button" onClick={() => loadLesson(next.id)}>
            Next lesson: {next.title.replace(/^\d+\.\s*/, '')}
          </button>
        )}
        <button type="button" onClick={closeLesson}>
          Close lesson
        </button>
      </div>
    </section>
  );
}
