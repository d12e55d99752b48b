// A friendly component: the draft of a task and its input, with some state of its own.

import { useState } from "react";

type Draft = { text: string };

export default function DraftCard({ output, input }: { output: Draft; input: { topic: string } }) {
  const [open, setOpen] = useState<boolean>(false);
  return (
    <Card>
      <CardTitle>About {input.topic}</CardTitle>
      <p id="said">The draft says: {output.text}</p>
      <button onClick={() => setOpen(!open)}>{open ? "less" : "more"}</button>
      {open ? <p id="more">{output.text.length} characters</p> : null}
    </Card>
  );
}
