// Builds static/css/app.css and copies GOV.UK Frontend's script and assets into static/.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const staticDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(staticDir, "..", "node_modules", "govuk-frontend", "dist", "govuk");

const css = sass.compile(join(staticDir, "src", "app.scss"), {
  loadPaths: [join(staticDir, "..", "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
mkdirSync(join(staticDir, "css"), { recursive: true });
writeFileSync(join(staticDir, "css", "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(staticDir, "js", "govuk-frontend.min.js"));
mkdirSync(join(staticDir, "govuk"), { recursive: true });
cpSync(join(govuk, "assets", "images"), join(staticDir, "govuk", "images"), { recursive: true });
console.log("Built static/css/app.css and copied GOV.UK Frontend assets");
