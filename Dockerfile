# The indexer image used by docker-compose.yml: one image, the command picks the stage (ingest|project|serve|run).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENTRYPOINT ["node", "lib/cli.js"]
CMD ["run"]
