// "Create Demo Pipeline in This Folder" where demo files exist already asks first. In a modal message
// VS Code makes the first button the default one (Enter and Space press it; its Cancel comes last), so
// the first button here keeps the files: it opens the one that is there. Overwrite is never first. No
// `vscode` import: src/commands.ts shows the question, test/unit/experiments.view.test.ts checks it.
import { basename } from 'node:path';

export const OVERWRITE = 'Overwrite';

export interface OverwriteQuestion {
  message: string;
  options: { modal: true; detail: string };
  /** In the order shown: the first is the dialog's default button. */
  buttons: [open: string, overwrite: string];
}

/** The question for `message` (the engine's `init-would-overwrite` error), offering to open `existing`. */
export function demoOverwriteQuestion(message: string, existing: string): OverwriteQuestion {
  return {
    message: 'The demo would overwrite files in this folder.',
    options: { modal: true, detail: `${message} Overwrite replaces them with the demo's; changes you made to them are lost.` },
    buttons: [`Open ${basename(existing)}`, OVERWRITE],
  };
}

/** What the answer asks for: the dialog's Cancel, Escape or closing it is `cancel`. */
export function overwriteAnswer(question: OverwriteQuestion, choice: string | undefined): 'open' | 'overwrite' | 'cancel' {
  return choice === question.buttons[0] ? 'open' : choice === OVERWRITE ? 'overwrite' : 'cancel';
}
