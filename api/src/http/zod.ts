import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

// Schemas import z from here so `.openapi()` exists whatever module happens to load first.
extendZodWithOpenApi(z);

export { z };
