// The part of markdown-it (the Markdown renderer of VS Code's preview) that test/unit/markdown.escape.test.ts uses.
declare module 'markdown-it' {
  interface Options {
    html?: boolean;
    linkify?: boolean;
  }
  export default class MarkdownIt {
    constructor(options?: Options);
    render(src: string): string;
  }
}
